"""The chat context a policy sees each turn, per memory mode: what ``gym run`` shows its policy.

The server sends deltas (the prompt, then each step's new messages) and never applies a scenario's
memory mode: the client builds the context. :func:`build_context` does it exactly as Gym's
``ContextPolicy`` does:

- ``full``: the prompt, then every turn's action (as an assistant message) and observation;
- ``mem1``: the prompt, then only the latest turn (the agent restates its state in each ``<think>``);
- ``window:K``: the prompt, then the last K turns;
- ``strip-think``: like full, with closed ``<think>…</think>`` blocks (and the blanks after them)
  removed from every action but the latest.

:func:`build_context` builds either ``text`` messages (tool calls inside the assistant's text, as
``gym run --policy openai`` sends by default) or ``structured`` ones (``messages=structured``): each
assistant message with its ``tool_calls`` (ids ``call_TURN_INDEX``) and each tool result with the
``tool_call_id`` of the call it answers, from the ``assistant`` messages the server returns per step.

:func:`build_segments` gives where each message came from, in the form rollout files record it
(``{"turn", "source", "index"}``, ``think_stripped`` when set): a way to check one against the other.
"""
import re

MEMORY_SYNTAX = "full | mem1 | window:K (K >= 1) | strip-think"

# As Gym.Core's ThinkBlocks: case-insensitive tags, dot matches newlines, blanks after a block go with it.
_THINK_BLOCK = re.compile(r"<think\s*>.*?</think\s*>\s*", re.IGNORECASE | re.DOTALL)


MESSAGE_MODES = ("text", "structured")


class Turn:
    """One played turn: the action's text, the observation messages that answered it and, from a
    server whose environment lists its tools, the action as an OpenAI assistant message (``assistant``
    of the step answer; needed for structured messages)."""

    __slots__ = ("action", "observation", "assistant")

    def __init__(self, action, observation, assistant=None):
        self.action = action
        self.observation = list(observation)
        self.assistant = assistant

    def __repr__(self):
        return f"Turn(action={self.action!r}, observation={self.observation!r}, assistant={self.assistant!r})"


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


def check_messages_mode(messages):
    """Fails on a ``messages`` mode other than ``text`` and ``structured``."""
    if messages not in MESSAGE_MODES:
        raise ValueError(f"messages must be 'text' or 'structured', got {messages!r}")
    return messages


def build_context(prompt, turns, memory="full", messages="text"):
    """The messages the policy sees before its next action, given the prompt and the turns played so far.

    ``prompt``: the reset observation (a list of ``{"role", "content"}`` messages); ``turns``: a list
    of :class:`Turn` (or ``(action_text, observation_messages[, assistant])`` tuples); ``memory``: the
    scenario's memory mode (``full``, ``mem1``, ``window:K``, ``strip-think``); ``messages``: ``text``
    (plain ``{"role", "content"[, "name"]}`` messages) or ``structured`` (assistant ``tool_calls`` and
    tool ``tool_call_id``, as ``gym run --policy openai`` sends with ``messages=structured``; every
    turn needs its ``assistant``).
    """
    check_messages_mode(messages)
    turns = [t if isinstance(t, Turn) else Turn(*t) for t in turns]
    result, calls = [], []
    for segment in build_segments(prompt, turns, memory):
        turn = turns[segment["turn"]] if segment["turn"] >= 0 else None
        if segment["source"] == "prompt":
            result.append(prompt[segment["index"]])
        elif segment["source"] == "action" and messages == "text":
            text = turn.action
            result.append({"role": "assistant", "content": strip_think(text) if segment.get("think_stripped") else text})
        elif segment["source"] == "action":
            message = structured_assistant(turn, segment["turn"], segment.get("think_stripped", False))
            calls = message.get("tool_calls") or []
            result.append(message)
        else:
            result.append(_observation_message(turn, segment["index"], messages, calls))
    return result


def structured_assistant(turn, index, think_stripped=False):
    """The turn's action as an OpenAI assistant message: the server's ``assistant``, its content's
    ``<think>`` blocks removed where strip-think hides them (as Gym parses the stripped text)."""
    if turn.assistant is None:
        raise ValueError(f"turn {index} has no assistant message: structured messages need an environment that "
                         "lists its tools (the step answers' 'assistant'); use messages='text'")
    message = dict(turn.assistant)
    content = message.get("content")
    if think_stripped and content:
        content = strip_think(content)
        if message.get("tool_calls"):
            # Gym parses the stripped text: what precedes the first call, trimmed at its end; empty is null.
            content = content.rstrip() or None
        message["content"] = content
    return message


def _observation_message(turn, index, messages, calls):
    message = {k: v for k, v in turn.observation[index].items() if k != "tool_call_id"}
    if messages == "structured" and message.get("role") == "tool":
        # A tool result answers the call of the same rank in the turn's assistant message (results past
        # the calls stay plain), as Gym's StructuredChat pairs them.
        rank = sum(1 for m in turn.observation[:index] if m.get("role") == "tool")
        if rank < len(calls):
            message["tool_call_id"] = calls[rank]["id"]
    return message
