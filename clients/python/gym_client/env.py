"""A Gymnasium-style environment over a `gym serve` session: :func:`make` and :class:`GymEnv`."""
from ._protocol import ACTION_SYNTAX, is_message_action
from .context import Turn, build_context, check_messages_mode, parse_memory
from .sync import HttpSession, WebSocketSession

try:  # Subclass gymnasium.Env when it is installed; the class works the same without it.
    import gymnasium as _gymnasium

    _EnvBase = _gymnasium.Env
except ImportError:  # pragma: no cover - depends on the machine
    _gymnasium = None
    _EnvBase = object

HAS_GYMNASIUM = _gymnasium is not None


def step_info(answer):
    """The ``info`` of a step: the server's info plus the step's reward breakdown, stop reason, new messages
    and the action as an OpenAI assistant message (``assistant``, None for an environment without tools);
    for an action sent as an assistant message, also the text the environment played (``action_text``)."""
    info = dict(answer.get("info") or {})
    info.update(turn=answer["turn"], reward_breakdown=answer["reward_breakdown"], stop_reason=answer["stop_reason"],
                tool_calls=answer.get("tool_calls", []), observation_delta=answer["observation"],
                assistant=answer.get("assistant"))
    for optional in ("format_error", "action_text"):
        if optional in answer:
            info[optional] = answer[optional]
    return info


def reset_info(answer):
    """The ``info`` of a reset: the server's info plus the episode's seed, attempt, limits and ``tools``
    (the episode's tools in OpenAI form, ``[]`` when the environment lists none)."""
    info = dict(answer.get("info") or {})
    info.update(seed=answer["seed"], attempt=answer["attempt"], episode=answer["episode"],
                max_turns=answer["max_turns"], session_id=answer["session_id"], observation_delta=answer["observation"],
                tools=answer.get("tools", []))
    return info


class EpisodeContext:
    """The conversation of the current episode, and the context a memory mode shows of it, as text or
    structured messages (:func:`gym_client.build_context`)."""

    def __init__(self, memory, messages="text"):
        parse_memory(memory)  # fail at construction on a misspelled mode
        self.memory, self.messages = memory, check_messages_mode(messages)
        self.prompt, self.turns, self.tools = [], [], []

    def start(self, answer):
        """Starts from a reset answer; structured messages need the environment's tools."""
        if self.messages == "structured" and not answer.get("tools"):
            raise ValueError(f"{answer.get('env_id')} lists no tools, so it has no structured messages: leave structured off")
        self.prompt, self.turns, self.tools = list(answer["observation"]), [], list(answer.get("tools", []))
        return self.view()

    def check(self, action):
        """Fails, before the action is sent, on one that is no action."""
        if not isinstance(action, (str, dict)):
            raise TypeError(f"an action is {ACTION_SYNTAX}, got {action!r}")

    def add(self, action, answer):
        """Adds the turn the step ``answer`` played ``action`` in; the new context."""
        assistant = answer.get("assistant")
        if is_message_action(action):
            # The server sends back the text it played (the content, then each call in the environment's
            # action format): a text context shows it as the assistant's turn.
            text = answer.get("action_text")
            if text is None:
                if self.messages == "text":
                    raise ValueError("the server did not send back the text it played for an assistant-message action "
                                     "(a gym serve older than this client): send the text, or make the env with structured=True")
                text = (assistant or {}).get("content") or ""
        else:
            text = action if isinstance(action, str) else action["text"]
        self.turns.append(Turn(text, answer["observation"], assistant))
        return self.view()

    def view(self):
        return build_context(self.prompt, self.turns, self.memory, self.messages)


class GymEnv(_EnvBase):
    """One `gym serve` session as a Gymnasium environment.

    Observations are chat contexts: the list of messages (``{"role", "content"}``) the policy sees
    before its next action, built per ``memory`` (the scenario's memory mode) as ``gym run`` builds
    them; with ``structured=True`` they carry the assistant's ``tool_calls`` and the tool
    results' ``tool_call_id`` (as ``gym run --policy openai`` with ``messages=structured`` sends
    them) and ``info["tools"]`` of the reset holds the episode's tools for the request's ``tools``.
    Actions are the model's text, ``{"text", "token_ids", "logprobs"}``, or (with ``structured=True``)
    the OpenAI assistant message with ``tool_calls`` a chat server replied with.
    ``reward`` is the step's total; its components are ``info["reward_breakdown"]``. ``options={"attempt": k}`` in
    :meth:`reset` replays the same task with fresh environment noise (GRPO groups, pass@k).
    """

    metadata = {"render_modes": []}

    def __init__(self, env_id=None, url="http://127.0.0.1:8000", params=None, memory="full", transport="websocket",
                 api_key=None, timeout=60, structured=False):
        if transport not in ("websocket", "http"):
            raise ValueError(f"transport must be 'websocket' or 'http', got {transport!r}")
        self._context = EpisodeContext(memory, "structured" if structured else "text")
        session_type = WebSocketSession if transport == "websocket" else HttpSession
        self.session = session_type(url, env_id=env_id, params=params, api_key=api_key, timeout=timeout)
        self.env_id, self.memory, self.transport, self.structured = env_id, memory, transport, structured
        self.render_mode = None
        self._closed = False

    @property
    def messages(self):
        """The whole conversation so far (the full-memory context), whatever the memory mode."""
        return build_context(self._context.prompt, self._context.turns, "full", self._context.messages)

    @property
    def tools(self):
        """The current episode's tools in OpenAI form (``[]`` when the environment lists none)."""
        return self._context.tools

    def reset(self, *, seed=None, options=None):
        """Starts an episode: ``(observation, info)``; ``info`` holds the seed the server used."""
        if _gymnasium is not None:
            super().reset(seed=seed)
        options = dict(options or {})
        attempt = options.pop("attempt", 0)
        if options:
            raise ValueError(f"unknown reset options {sorted(options)}: only 'attempt' is supported")
        answer = self.session.reset(seed=seed, attempt=attempt)
        return self._context.start(answer), reset_info(answer)

    def step(self, action):
        """Applies one action: ``(observation, reward, terminated, truncated, info)``."""
        self._context.check(action)
        answer = self.session.step(action)
        observation = self._context.add(action, answer)
        return observation, float(answer["reward"]), bool(answer["terminated"]), bool(answer["truncated"]), step_info(answer)

    def close(self):
        """Ends the server session; closing twice does nothing."""
        if not self._closed:
            self._closed = True
            self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def make(env_id=None, url="http://127.0.0.1:8000", **kwargs):
    """A :class:`GymEnv` for ``env_id`` served at ``url`` (``params``, ``memory``, ``transport``, ``api_key``, ``timeout``)."""
    return GymEnv(env_id, url=url, **kwargs)
