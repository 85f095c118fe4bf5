using System.Diagnostics;
using Gym.Core;
using Gym.Core.Policies;

namespace Gym.Benchmarks;

/// <summary>
/// Wraps a policy and timestamps every request: the time between two consecutive requests of the
/// same episode is one full step cycle through the runtime (action to the episode actor, environment
/// step, next request through the gateway's batching, and the policy call itself).
/// </summary>
internal sealed class StepTimingPolicy(IPolicy inner) : IPolicy
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _last = new(StringComparer.Ordinal);
    private readonly List<long> _cycles = [];

    public string Id => inner.Id;

    /// <summary>Step-cycle durations in Stopwatch ticks.</summary>
    public IReadOnlyList<long> Cycles
    {
        get
        {
            lock (_gate)
            {
                return [.. _cycles];
            }
        }
    }

    public ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            foreach (var request in requests)
            {
                if (request.Turn > 0 && _last.TryGetValue(request.EpisodeId, out var previous))
                {
                    _cycles.Add(now - previous);
                }

                _last[request.EpisodeId] = now;
            }
        }

        return inner.ActAsync(requests, cancellationToken);
    }
}

/// <summary>
/// A policy that does not answer until <see cref="Release"/>: every episode that asked for an action
/// sits idle in the runtime. After release it answers every request with a final answer, so the
/// episodes end normally.
/// </summary>
internal sealed class HangingPolicy : IPolicy
{
    private static readonly AgentAction FinalAnswer = new("<think>Released.</think>\n<answer>0</answer>");
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _asked;

    public string Id => "hanging";

    /// <summary>Action requests received so far.</summary>
    public long Asked => Interlocked.Read(ref _asked);

    public void Release() => _release.TrySetResult();

    public ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _asked, requests.Count);
        return _release.Task.IsCompleted
            ? ValueTask.FromResult<IReadOnlyList<AgentAction>>(Answers(requests.Count))
            : new ValueTask<IReadOnlyList<AgentAction>>(WaitAsync(requests.Count));
    }

    private async Task<IReadOnlyList<AgentAction>> WaitAsync(int count)
    {
        await _release.Task.ConfigureAwait(false);
        return Answers(count);
    }

    private static AgentAction[] Answers(int count)
    {
        var actions = new AgentAction[count];
        Array.Fill(actions, FinalAnswer);
        return actions;
    }
}

/// <summary>Answers every request with the same action at no cost: isolates the runtime's own overhead.</summary>
internal sealed class ConstantPolicy : IPolicy
{
    private static readonly AgentAction Action = new("<answer>0</answer>");

    public string Id => "constant";

    public ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        var actions = new AgentAction[requests.Count];
        Array.Fill(actions, Action);
        return ValueTask.FromResult<IReadOnlyList<AgentAction>>(actions);
    }
}

/// <summary>
/// Records another policy's actions by (episode, turn) while it plays, then replays them at the cost
/// of a dictionary lookup: the same trajectories as the recorded policy, without its compute.
/// </summary>
internal sealed class ReplayPolicy(IPolicy inner) : IPolicy
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Episode, int Turn), AgentAction> _actions = new();
    private bool _replaying;

    public string Id => inner.Id;

    public int Recorded => _actions.Count;

    /// <summary>From now on, answer from the recording only.</summary>
    public void StartReplaying() => _replaying = true;

    public async ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        if (_replaying)
        {
            var replayed = new AgentAction[requests.Count];
            for (var i = 0; i < requests.Count; i++)
            {
                replayed[i] = _actions[(requests[i].EpisodeId, requests[i].Turn)];
            }

            return replayed;
        }

        var actions = await inner.ActAsync(requests, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < requests.Count; i++)
        {
            _actions[(requests[i].EpisodeId, requests[i].Turn)] = actions[i];
        }

        return actions;
    }
}
