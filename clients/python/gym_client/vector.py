"""N sessions stepped concurrently: :class:`VectorEnv` (blocking API over asyncio WebSocket sessions)."""
import asyncio

from .aio import AsyncWebSocketSession
from .env import EpisodeContext, reset_info, step_info


class VectorEnv:
    """``num_envs`` sessions of one environment, reset and stepped together (concurrently, over WebSocket).

    Like Gymnasium's vector environments (next-step autoreset): ``reset`` returns lists of
    ``num_envs`` observations and infos; ``step(actions)`` returns lists of observations, rewards,
    terminated and truncated flags and infos. A sub-environment whose episode ended is reset by the
    next ``step`` (its action is ignored; its reward is 0 and ``info["autoreset"]`` is True). Seeds:
    ``reset(seed=s)`` gives the i-th session seed ``s + i``; a list gives one seed per session;
    autoresets let the server pick a seed. ``options={"attempt": k}`` applies to every session.
    """

    def __init__(self, env_id=None, num_envs=4, url="http://127.0.0.1:8000", params=None, memory="full",
                 api_key=None, timeout=60, structured=False):
        if not isinstance(num_envs, int) or num_envs < 1:
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        self.num_envs, self.env_id, self.memory = num_envs, env_id, memory
        self._contexts = [EpisodeContext(memory, "structured" if structured else "text") for _ in range(num_envs)]
        self._done = [False] * num_envs
        self._loop = asyncio.new_event_loop()
        self._sessions = []
        try:
            self._sessions = self._run_all(
                AsyncWebSocketSession.connect(url, env_id, params, api_key, timeout) for _ in range(num_envs))
        except BaseException:
            self._loop.close()
            raise

    def _run_all(self, coroutines, return_exceptions=False):
        """Runs the coroutines concurrently on this wrapper's loop and returns their results in order."""
        coroutines = list(coroutines)

        async def gather():  # gathered inside the loop, so the futures belong to it
            return await asyncio.gather(*coroutines, return_exceptions=return_exceptions)

        return self._loop.run_until_complete(gather())

    def reset(self, *, seed=None, options=None):
        """Resets every session: ``(observations, infos)``."""
        if seed is None or isinstance(seed, int):
            seeds = [None if seed is None else seed + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"{len(seeds)} seeds for {self.num_envs} environments")
        attempt = dict(options or {}).get("attempt", 0)
        answers = self._run_all(s.reset(seed=sd, attempt=attempt) for s, sd in zip(self._sessions, seeds))
        self._done = [False] * self.num_envs
        return ([c.start(a) for c, a in zip(self._contexts, answers)],
                [reset_info(a) for a in answers])

    def step(self, actions):
        """Steps every session at once: ``(observations, rewards, terminated, truncated, infos)``."""
        actions = list(actions)
        if len(actions) != self.num_envs:
            raise ValueError(f"{len(actions)} actions for {self.num_envs} environments")
        for context, action, done in zip(self._contexts, actions, self._done):
            if not done:  # all checked before any is sent, so a bad one steps none
                context.check(action)
        results = self._run_all(self._step_one(i, a) for i, a in enumerate(actions))
        return tuple(list(column) for column in zip(*results))

    async def _step_one(self, i, action):
        session, context = self._sessions[i], self._contexts[i]
        if self._done[i]:
            answer = await session.reset()
            self._done[i] = False
            info = reset_info(answer)
            info["autoreset"] = True
            return context.start(answer), 0.0, False, False, info
        answer = await session.step(action)
        self._done[i] = bool(answer["terminated"] or answer["truncated"])
        return (context.add(action, answer), float(answer["reward"]), bool(answer["terminated"]),
                bool(answer["truncated"]), step_info(answer))

    def close(self):
        """Closes every session and the private event loop; closing twice does nothing."""
        if self._loop.is_closed():
            return
        try:
            self._run_all((s.close() for s in self._sessions), return_exceptions=True)
        finally:
            self._loop.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def make_vec(env_id=None, num_envs=4, url="http://127.0.0.1:8000", **kwargs):
    """A :class:`VectorEnv` of ``num_envs`` concurrent sessions of ``env_id``."""
    return VectorEnv(env_id, num_envs=num_envs, url=url, **kwargs)
