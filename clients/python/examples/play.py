#!/usr/bin/env python3
"""Plays `tool-use/arithmetic-v0` against `gym serve` with every part of gym_client, and checks them.

    gym serve --scenario tool-use/arithmetic-v0 --port 8000 &
    PYTHONPATH=clients/python python3 clients/python/examples/play.py http://127.0.0.1:8000

A stand-in policy (the task's expression through the calculator, then the answer) plays episodes through
the Gymnasium-style env over both transports, the vector wrapper, and the asyncio sessions; the same
seeds must give the same episodes everywhere. GYM_API_KEY is sent when set. Prints "ok" at the end.
"""
import asyncio
import json
import os
import re
import sys

import gym_client

ENV_ID = "tool-use/arithmetic-v0"
# The bare-expression wording without distractors, so the stand-in policy below can solve every task.
PARAMS = {"wording": "expression", "distractors": 0}


def policy(messages):
    """Evaluates the task's expression with the calculator, then answers with the result.

    A trainer calls its model here with `messages` and may return the sampled token ids and
    log-probs with the text: {"text": ..., "token_ids": [...], "logprobs": [...]}.
    """
    last = messages[-1]
    if last["role"] == "tool":
        return f"<answer>{last['content']}</answer>"
    task = next(m["content"] for m in messages if m["role"] == "user")
    expression = re.search(r"Compute (.*)\.", task)
    call = {"name": "calculator", "arguments": {"expression": expression.group(1) if expression else "0"}}
    return f"<tool_call>{json.dumps(call)}</tool_call>"


def play(env, seed):
    """One episode through the Gymnasium API: (seed, return, turns, success, final answer)."""
    observation, info = env.reset(seed=seed)
    assert observation == info["observation_delta"], "the first context is the prompt"
    total, turns = 0.0, 0
    while True:
        action = policy(observation)
        observation, reward, terminated, truncated, info = env.step(action)
        total += reward
        turns += 1
        assert abs(reward - sum(c["value"] for c in info["reward_breakdown"])) < 1e-9, info
        if terminated or truncated:
            return seed, round(total, 9), turns, bool(info.get("is_success", False)), action


def play_vector(url, api_key, seeds):
    """The same episodes on len(seeds) concurrent sessions; returns them in seed order."""
    with gym_client.make_vec(ENV_ID, num_envs=len(seeds), url=url, params=PARAMS, api_key=api_key) as envs:
        observations, infos = envs.reset(seed=list(seeds))
        assert [i["seed"] for i in infos] == list(seeds), infos
        totals, turns, results = [0.0] * len(seeds), [0] * len(seeds), [None] * len(seeds)
        while any(r is None for r in results):
            actions = [policy(o) for o in observations]
            observations, rewards, terminated, truncated, step_infos = envs.step(actions)
            for i in range(len(seeds)):
                if results[i] is not None:
                    continue  # finished: this step autoreset it (a fresh episode we do not count)
                totals[i] += rewards[i]
                turns[i] += 1
                if terminated[i] or truncated[i]:
                    results[i] = (seeds[i], round(totals[i], 9), turns[i], bool(step_infos[i].get("is_success", False)), actions[i])
        # The next step resets the finished sessions (next-step autoreset).
        observations, rewards, _, _, step_infos = envs.step([policy(o) for o in observations])
        assert all(i.get("autoreset") for i in step_infos) and rewards == [0.0] * len(seeds), step_infos
        return results


async def play_async(url, api_key, seeds):
    """Raw asyncio sessions, one per seed, played concurrently; returns (seed, return, turns, success, final answer)."""
    async def one(seed):
        async with await gym_client.AsyncWebSocketSession.connect(url, ENV_ID, PARAMS, api_key=api_key, max_frame_size=64) as s:
            first = await s.reset(seed=seed)
            messages, total, turns = list(first["observation"]), 0.0, 0
            while True:
                action = policy(messages)
                answer = await s.step(action)
                messages += [{"role": "assistant", "content": action}] + answer["observation"]
                total, turns = total + answer["reward"], turns + 1
                if answer["terminated"] or answer["truncated"]:
                    return seed, round(total, 9), turns, bool(answer["info"].get("is_success", False)), action

    return await asyncio.gather(*(one(seed) for seed in seeds))


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    api_key = os.environ.get("GYM_API_KEY")
    print("health:", gym_client.health(url)["status"])
    print("serving:", [s["id"] for s in gym_client.scenarios(url, api_key=api_key)])
    seeds = [11, 12, 13, 14]

    by_transport = {}
    for transport in ("websocket", "http"):
        with gym_client.make(ENV_ID, url=url, params=PARAMS, transport=transport, api_key=api_key) as env:
            by_transport[transport] = [play(env, seed) for seed in seeds]
            print(f"{transport:9} gymnasium env: {by_transport[transport]}")
    vector = play_vector(url, api_key, seeds)
    print(f"vector    {len(seeds)} sessions: {vector}")
    concurrent = asyncio.run(play_async(url, api_key, seeds))
    print(f"asyncio   {len(seeds)} sessions: {concurrent}")

    # Same seeds and same actions: the same episodes whatever the transport or the concurrency.
    assert by_transport["websocket"] == by_transport["http"] == vector == list(concurrent), "runs differ"
    assert all(episode[3] for episode in vector), "the stand-in policy solves every task"
    assert len({episode[4] for episode in vector}) > 1, "different seeds, different tasks"

    try:
        gym_client.make("no/such-env-v0", url=url, api_key=api_key)
    except gym_client.GymError as e:
        print("an unknown environment is refused:", e.status, e.code)
    with gym_client.make(ENV_ID, url=url, api_key=api_key) as env:
        try:
            env.step("<answer>1</answer>")
        except gym_client.GymError as e:
            print("a step before reset is refused:", e.code)
    print("ok")


if __name__ == "__main__":
    main()
