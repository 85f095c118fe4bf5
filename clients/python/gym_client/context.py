"""The chat context a policy sees each turn, per memory mode: what ``gym run`` shows its policy.

The server sends deltas (the prompt, then each step's new messages) and never applies a scenario's
memory mode: the client builds the context. :func:`build_context` does it exactly as Gym's
``ContextPolicy`` does:

- ``full``: the prompt, then every turn's action (as an assistant message) and observation;
- ``mem1``: the prompt, then only the latest turn (the agent restates its state in each ``<think>``);
- ``window:K``: the prompt, then the last K turns;
- ``strip-think``: like full, with closed ``<think>…</think>`` blocks (and the blanks after them)
  removed from every action but the latest.

:func:`build_segments` gives where each message came from, in the form rollout files record it
(``{"turn", "source", "index"}``, ``think_stripped`` when set): a way to check one against the other.
"""
import re

MEMORY_SYNTAX = "full | mem1 | window:K (K >= 1) | strip-think"

# As Gym.Core's ThinkBlocks: case-insensitive tags, dot matches newlines, blanks after a block go with it.
_THINK_BLOCK = re.compile(r"<think\s*>.*?</think\s*>\s*", re.IGNORECASE | re.DOTALL)


class Turn:
    """One played turn: the action's text and the observation messages that answered it."""

    __slots__ = ("action", "observation")

    def __init__(self, action, observation):
        self.action = action
        self.observation = list(observation)

    def __repr__(self):
        return f"Turn(action={self.action!r}, observation={self.observation!r})"


def parse_memory(text):
    """``(mode, window)`` of ``full``, ``mem1``, ``window:K`` or ``strip-think`` (case-insensitive)."""
    if not isinstance(text, str):
        raise TypeError(f"memory mode must be a string ({MEMORY_SYNTAX}), got {text!r}")
    trimmed = text.strip()
    name, colon, argument = trimmed.partition(":")
    name, argument = name.strip().lower(), argument.strip() if colon else None
    if name in ("full", "mem1", "strip-think"):
        if argument is not None:
            raise ValueError(f"memory mode '{name}' takes no argument (got '{trimmed}'); expected {MEMORY_SYNTAX}")
        return name, 0
    if name == "window":
        if argument is None:
            raise ValueError("memory mode 'window' needs a size: window:K with K >= 1 (e.g. window:3)")
        if not argument.isdigit() or int(argument) < 1:
            raise ValueError(f"memory mode '{trimmed}': the window size must be a whole number >= 1 (got '{argument}')")
        return "window", int(argument)
    raise ValueError(f"unknown memory mode '{trimmed}': expected {MEMORY_SYNTAX}")


def strip_think(text):
    """The text without its closed ``<think>`` blocks and the blanks after each."""
    if "<think" not in text.lower():
        return text
    return _THINK_BLOCK.sub("", text)


def _first_turn(mode, window, count):
    if mode == "mem1":
        return max(count - 1, 0)
    if mode == "window":
        return max(count - window, 0)
    return 0


def build_segments(prompt, turns, memory="full"):
    """Where each message of :func:`build_context` comes from: ``{"turn", "source", "index"}``, as rollout files record it."""
    mode, window = parse_memory(memory)
    segments = [{"turn": -1, "source": "prompt", "index": i} for i in range(len(prompt))]
    for t in range(_first_turn(mode, window, len(turns)), len(turns)):
        turn = turns[t]
        segment = {"turn": t, "source": "action", "index": 0}
        if mode == "strip-think" and t < len(turns) - 1 and strip_think(turn.action) != turn.action:
            segment["think_stripped"] = True
        segments.append(segment)
        segments += [{"turn": t, "source": "observation", "index": i} for i in range(len(turn.observation))]
    return segments


def build_context(prompt, turns, memory="full"):
    """The messages the policy sees before its next action, given the prompt and the turns played so far.

    ``prompt``: the reset observation (a list of ``{"role", "content"}`` messages); ``turns``: a list
    of :class:`Turn` (or ``(action_text, observation_messages)`` pairs); ``memory``: the scenario's
    memory mode (``full``, ``mem1``, ``window:K``, ``strip-think``).
    """
    turns = [t if isinstance(t, Turn) else Turn(*t) for t in turns]
    messages = []
    for segment in build_segments(prompt, turns, memory):
        if segment["source"] == "prompt":
            messages.append(prompt[segment["index"]])
        elif segment["source"] == "action":
            text = turns[segment["turn"]].action
            messages.append({"role": "assistant", "content": strip_think(text) if segment.get("think_stripped") else text})
        else:
            messages.append(turns[segment["turn"]].observation[segment["index"]])
    return messages
