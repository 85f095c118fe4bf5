"""Structured tool messages against a real `gym serve` (started by the C# CLI tests).

    python3 -m tests.structured_play play URL
        plays tool-use/arithmetic-v0 through every client (blocking and asyncio sessions over both
        transports, the Gymnasium env, the vector env) with text actions and with OpenAI assistant
        messages carrying tool_calls, and checks that both give the same trajectories for the same
        seeds; that resets carry the tools; that a text-context env shows the text the server played for an
        assistant message; that a malformed tool call is the server's error.

    python3 -m tests.structured_play context URL MEMORY rollouts.jsonl requests.json
        replays the episodes `gym run --policy openai --policy-option messages=structured` played
        (rollouts.jsonl) on `gym serve` and checks that the structured context the Gymnasium env
        builds before each turn is one of the requests that policy sent (requests.json: their bodies).

Each prints one summary line; any difference fails with a message naming the client, seed and turn.
"""
import asyncio
import json
import re
import sys

import gym_client
from gym_client import (AsyncHttpSession, AsyncWebSocketSession, GymError, HttpSession, WebSocketSession,
                        build_context)

ENV_ID = "tool-use/arithmetic-v0"
PARAMS = {"wording": "expression", "distractors": 0}
SEEDS = (11, 12, 13)


def expression(prompt):
    task = next(m["content"] for m in prompt if m["role"] == "user")
    found = re.search(r"Compute (.*)\.", task)
    return found.group(1) if found else "0"


def moves(prompt):
    """The episode's actions, each as (text, assistant message): a calculator call with some reasoning, then the answer."""
    arguments = {"expression": expression(prompt)}
    call_text = "<think>use the calculator</think>\n<tool_call>" + json.dumps({"name": "calculator", "arguments": arguments}) + "</tool_call>"
    message = {"role": "assistant", "content": "<think>use the calculator</think>",
               "tool_calls": [{"id": "chatcmpl-1", "type": "function",
                               "function": {"name": "calculator", "arguments": json.dumps(arguments)}}]}
    return call_text, message


def answer_for(observation):
    tool = [m for m in observation if m["role"] == "tool"]
    return f"<answer>{tool[-1]['content'] if tool else '0'}</answer>"


def trajectory_of(answers):
    """What must match between text and structured play: each step's observable result."""
    return [(a["turn"], json.dumps(a["observation"], sort_keys=True), a["reward"], a["terminated"], a["truncated"],
             a["stop_reason"], json.dumps(a["reward_breakdown"], sort_keys=True), json.dumps(a["assistant"], sort_keys=True))
            for a in answers]


def play_session(session, seed, structured):
    reset = session.reset(seed=seed)
    assert [t["function"]["name"] for t in reset["tools"]] == ["calculator"], reset["tools"]
    text, message = moves(reset["observation"])
    first = session.step(message if structured else text)
    second = session.step(answer_for(first["observation"]))
    return reset["seed"], trajectory_of([first, second])


async def play_async(session, seed, structured):
    reset = await session.reset(seed=seed)
    assert [t["function"]["name"] for t in reset["tools"]] == ["calculator"], reset["tools"]
    text, message = moves(reset["observation"])
    first = await session.step(message if structured else text)
    second = await session.step(answer_for(first["observation"]))
    return reset["seed"], trajectory_of([first, second])


def play_env(env, seed, structured):
    observation, info = env.reset(seed=seed)
    assert [t["function"]["name"] for t in info["tools"]] == ["calculator"], info["tools"]
    assert env.tools == info["tools"]
    text, message = moves(observation)
    observation, r1, term1, trunc1, info1 = env.step(message if structured else text)
    last = observation[-1]
    if structured:
        call = observation[-2]["tool_calls"][0]
        assert call["id"] == "call_0_0" and last["tool_call_id"] == "call_0_0", observation[-2:]
        assert observation[-2]["content"] == "<think>use the calculator</think>", observation[-2]
    else:
        assert "tool_call_id" not in last and "tool_calls" not in observation[-2], observation[-2:]
    observation, r2, term2, trunc2, info2 = env.step(answer_for([last]))
    if structured:
        assert observation[2]["content"] is None, "strip-think hides the first turn's reasoning: " + repr(observation[2])
    return info["seed"], [(r1, term1, trunc1, info1["stop_reason"]), (r2, term2, trunc2, info2["stop_reason"])]


def same(what, text, structured):
    if text != structured:
        raise AssertionError(f"{what}: structured actions played otherwise than text actions\n  text:       {text}\n  structured: {structured}")


def play(url):
    checked = 0
    for seed in SEEDS:
        for name, make in (("websocket", WebSocketSession), ("http", HttpSession)):
            results = []
            for structured in (False, True):
                with make(url, env_id=ENV_ID, params=PARAMS) as session:
                    results.append(play_session(session, seed, structured))
            same(f"{name} session, seed {seed}", *results)
            checked += 1

        async def both(connect):
            results = []
            for structured in (False, True):
                session = await connect(url, env_id=ENV_ID, params=PARAMS)
                async with session:
                    results.append(await play_async(session, seed, structured))
            return results

        for name, connect in (("asyncio websocket", AsyncWebSocketSession.connect), ("asyncio http", AsyncHttpSession.connect)):
            same(f"{name} session, seed {seed}", *asyncio.run(both(connect)))
            checked += 1

        for transport in ("websocket", "http"):
            # strip-think: the structured env must read a message action's reasoning without its text.
            with gym_client.make(ENV_ID, url=url, params=PARAMS, transport=transport, memory="strip-think") as text_env, \
                    gym_client.make(ENV_ID, url=url, params=PARAMS, transport=transport, memory="strip-think",
                                    structured=True) as structured_env:
                same(f"gymnasium env ({transport}), seed {seed}", play_env(text_env, seed, False), play_env(structured_env, seed, True))
                checked += 1

    with gym_client.make_vec(ENV_ID, num_envs=len(SEEDS), url=url, params=PARAMS) as text_envs, \
            gym_client.make_vec(ENV_ID, num_envs=len(SEEDS), url=url, params=PARAMS, structured=True) as structured_envs:
        runs = []
        for envs, structured in ((text_envs, False), (structured_envs, True)):
            observations, infos = envs.reset(seed=list(SEEDS))
            assert all([t["function"]["name"] for t in i["tools"]] == ["calculator"] for i in infos), infos
            actions = [moves(o)[1 if structured else 0] for o in observations]
            observations, rewards, terminated, truncated, _ = envs.step(actions)
            answers = [answer_for([o[-1]]) for o in observations]
            _, rewards2, terminated2, _, _ = envs.step(answers)
            runs.append((rewards, terminated, truncated, rewards2, terminated2))
        same("vector env", *runs)
        checked += 1

    checked += text_context_pairs(url)
    errors = check_errors(url)
    print(f"structured play: {checked} text/structured pairs match, {errors} errors raised as GymError")


def text_context_pairs(url):
    """A text-context env takes an assistant message and shows the text the server played for it: the same
    context as an env that sent that text."""
    pairs = 0
    for memory in ("full", "mem1"):
        with gym_client.make(ENV_ID, url=url, params=PARAMS, memory=memory) as by_message, \
                gym_client.make(ENV_ID, url=url, params=PARAMS, memory=memory) as by_text:
            observation, _ = by_message.reset(seed=SEEDS[0])
            by_text.reset(seed=SEEDS[0])
            from_message, r1, _, _, info = by_message.step(moves(observation)[1])
            played = info["action_text"]
            assert played.startswith("<think>use the calculator</think>") and "calculator" in played[33:], played
            from_text, r2, _, _, _ = by_text.step(played)
            assert from_message == from_text, f"memory {memory}: text contexts differ\n  {from_message}\n  {from_text}"
            assert r1 == r2 and any(m["role"] == "assistant" and m["content"] == played for m in from_message), from_message
            pairs += 1
    return pairs


def check_errors(url):
    """A malformed tool call is the server's invalid_request, raised with its message; the step does not count."""
    bad = {"role": "assistant", "content": None,
           "tool_calls": [{"id": "x", "type": "function", "function": {"name": "calculator", "arguments": "not json"}}]}
    count = 0
    for make in (WebSocketSession, HttpSession):
        with make(url, env_id=ENV_ID, params=PARAMS) as session:
            session.reset(seed=SEEDS[0])
            try:
                session.step(bad)
                raise AssertionError(f"{make.__name__}: a malformed tool call was accepted")
            except GymError as e:
                assert e.code == "invalid_request", e
                assert "action.tool_calls[0].function.arguments must be a JSON object" in e.message, e.message
                count += 1
            assert session.state()["turn"] == 0, "the refused step did not count"

    async def from_asyncio():
        session = await AsyncWebSocketSession.connect(url, env_id=ENV_ID, params=PARAMS)
        async with session:
            await session.reset(seed=SEEDS[0])
            try:
                await session.step(dict(bad, role="user"))
            except GymError as e:
                assert e.code == "invalid_request" and "role" in e.message, e
                return 1
            raise AssertionError("asyncio: an assistant message with role 'user' was accepted")

    count += asyncio.run(from_asyncio())
    return count


def context(url, memory, rollouts, requests):
    """Every structured context the env builds is one that gym run's openai policy sent, tools included."""
    with open(requests, encoding="utf-8") as f:
        sent = [r for r in json.load(f) if isinstance(r, dict) and "messages" in r]
    canonical = {json.dumps(r["messages"], sort_keys=True) for r in sent}
    checked = 0
    with open(rollouts, encoding="utf-8") as f:
        episodes = [json.loads(line) for line in f if line.strip()]
    with gym_client.make(episodes[0]["environment_id"], url=url, memory=memory, structured=True) as env:
        for episode in episodes:
            observation, info = env.reset(seed=episode["seed"])
            for record in episode["turns"]:
                where = f"episode {episode['episode']} turn {record['turn']} ({memory})"
                if json.dumps(observation, sort_keys=True) not in canonical:
                    raise AssertionError(f"{where}: gym run sent no request with this context:\n{json.dumps(observation, indent=1)}")
                matching = [r for r in sent if json.dumps(r["messages"], sort_keys=True) == json.dumps(observation, sort_keys=True)]
                if any(r.get("tools") != info["tools"] for r in matching):
                    raise AssertionError(f"{where}: tools differ\n  gym run: {matching[0].get('tools')}\n  python:  {info['tools']}")
                observation, _, _, _, _ = env.step(record["action"]["text"])
                checked += 1
            # The text context of the same turns is gym run's text context (structure only added).
            texts = build_context(env._context.prompt, env._context.turns, memory, "text")
            assert all("tool_calls" not in m and "tool_call_id" not in m for m in texts), texts
    if checked == 0 or checked != len(sent):
        raise AssertionError(f"checked {checked} turns but gym run sent {len(sent)} requests")
    print(f"{rollouts}: {checked} structured contexts match gym run's requests ({memory})")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "play":
        play(sys.argv[2])
    elif len(sys.argv) == 6 and sys.argv[1] == "context":
        context(*sys.argv[2:])
    else:
        sys.exit(__doc__)
