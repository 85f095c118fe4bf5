"""A Gymnasium-style environment over a `gym serve` session: :func:`make` and :class:`GymEnv`."""
from .context import Turn, build_context, parse_memory
from .sync import HttpSession, WebSocketSession

try:  # Subclass gymnasium.Env when it is installed; the class works the same without it.
    import gymnasium as _gymnasium

    _EnvBase = _gymnasium.Env
except ImportError:  # pragma: no cover - depends on the machine
    _gymnasium = None
    _EnvBase = object

HAS_GYMNASIUM = _gymnasium is not None


def step_info(answer):
    """The ``info`` of a step: the server's info plus the step's reward breakdown, stop reason and new messages."""
    info = dict(answer.get("info") or {})
    info.update(turn=answer["turn"], reward_breakdown=answer["reward_breakdown"], stop_reason=answer["stop_reason"],
                tool_calls=answer.get("tool_calls", []), observation_delta=answer["observation"])
    if "format_error" in answer:
        info["format_error"] = answer["format_error"]
    return info


def reset_info(answer):
    """The ``info`` of a reset: the server's info plus the episode's seed, attempt and limits."""
    info = dict(answer.get("info") or {})
    info.update(seed=answer["seed"], attempt=answer["attempt"], episode=answer["episode"],
                max_turns=answer["max_turns"], session_id=answer["session_id"], observation_delta=answer["observation"])
    return info


class EpisodeContext:
    """The conversation of the current episode, and the context a memory mode shows of it."""

    def __init__(self, memory):
        parse_memory(memory)  # fail at construction on a misspelled mode
        self.memory, self.prompt, self.turns = memory, [], []

    def start(self, prompt):
        self.prompt, self.turns = list(prompt), []
        return self.view()

    def add(self, action, observation):
        text = action if isinstance(action, str) else action["text"]
        self.turns.append(Turn(text, observation))
        return self.view()

    def view(self):
        return build_context(self.prompt, self.turns, self.memory)


class GymEnv(_EnvBase):
    """One `gym serve` session as a Gymnasium environment.

    Observations are chat contexts: the list of messages (``{"role", "content"}``) the policy sees
    before its next action, built per ``memory`` (the scenario's memory mode) as ``gym run`` builds
    them. Actions are the model's text, or ``{"text", "token_ids", "logprobs"}``. ``reward`` is the
    step's total; its components are ``info["reward_breakdown"]``. ``options={"attempt": k}`` in
    :meth:`reset` replays the same task with fresh environment noise (GRPO groups, pass@k).
    """

    metadata = {"render_modes": []}

    def __init__(self, env_id=None, url="http://127.0.0.1:8000", params=None, memory="full", transport="websocket",
                 api_key=None, timeout=60):
        if transport not in ("websocket", "http"):
            raise ValueError(f"transport must be 'websocket' or 'http', got {transport!r}")
        self._context = EpisodeContext(memory)
        session_type = WebSocketSession if transport == "websocket" else HttpSession
        self.session = session_type(url, env_id=env_id, params=params, api_key=api_key, timeout=timeout)
        self.env_id, self.memory, self.transport = env_id, memory, transport
        self.render_mode = None
        self._closed = False

    @property
    def messages(self):
        """The whole conversation so far (the full-memory context), whatever the memory mode."""
        return build_context(self._context.prompt, self._context.turns, "full")

    def reset(self, *, seed=None, options=None):
        """Starts an episode: ``(observation, info)``; ``info`` holds the seed the server used."""
        if _gymnasium is not None:
            super().reset(seed=seed)
        options = dict(options or {})
        attempt = options.pop("attempt", 0)
        if options:
            raise ValueError(f"unknown reset options {sorted(options)}: only 'attempt' is supported")
        answer = self.session.reset(seed=seed, attempt=attempt)
        return self._context.start(answer["observation"]), reset_info(answer)

    def step(self, action):
        """Applies one action: ``(observation, reward, terminated, truncated, info)``."""
        answer = self.session.step(action)
        observation = self._context.add(action, answer["observation"])
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
