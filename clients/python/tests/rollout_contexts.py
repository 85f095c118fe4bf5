"""Compares gym_client's contexts with those `gym run` recorded in a rollout file.

    python3 -m tests.rollout_contexts MEMORY rollouts.jsonl   (from clients/python)

Every turn of a rollout file records where each message of the context its action was chosen from
came from (``context``: prompt/action/observation segments). For every turn this rebuilds the
context with :func:`gym_client.build_context` from the prompt and the turns before it, and checks
the segments and the messages against the file. Prints the number of turns checked.
"""
import json
import sys

from gym_client import Turn, build_context, build_segments, strip_think


def recorded_messages(episode, segments):
    """The messages the recorded segments name (as Gym's ContextRebuilder resolves them)."""
    messages = []
    for s in segments:
        if s["source"] == "prompt":
            messages.append(episode["prompt"][s["index"]])
        elif s["source"] == "action":
            text = episode["turns"][s["turn"]]["action"]["text"]
            messages.append({"role": "assistant", "content": strip_think(text) if s.get("think_stripped") else text})
        else:
            messages.append(episode["turns"][s["turn"]]["observation"][s["index"]])
    return messages


def check_file(path, memory):
    """Checks every turn of ``path`` under ``memory``; returns how many turns were checked."""
    checked = 0
    with open(path, encoding="utf-8") as f:
        for line_number, line in enumerate(f, 1):
            if not line.strip():
                continue
            episode = json.loads(line)
            turns = []
            for record in episode["turns"]:
                where = f"{path}:{line_number}: episode {episode['episode']} turn {record['turn']} ({memory})"
                segments = build_segments(episode["prompt"], turns, memory)
                if segments != record["context"]:
                    raise AssertionError(f"{where}: segments differ\n  gym:    {record['context']}\n  python: {segments}")
                if build_context(episode["prompt"], turns, memory) != recorded_messages(episode, record["context"]):
                    raise AssertionError(f"{where}: messages differ")
                turns.append(Turn(record["action"]["text"], record["observation"]))
                checked += 1
    return checked


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python3 -m tests.rollout_contexts MEMORY rollouts.jsonl")
    print(f"{sys.argv[2]}: {check_file(sys.argv[2], sys.argv[1])} turns match ({sys.argv[1]})")
