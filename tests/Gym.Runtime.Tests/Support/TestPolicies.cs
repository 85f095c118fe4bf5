using System.Collections.Concurrent;
using System.Globalization;
using Gym.Core;
using Gym.Core.Policies;

namespace Gym.Runtime.Tests.Support;

/// <summary>
/// Answers each request with an action naming its episode and turn, optionally after a delay,
/// and records the size of every batch it was called with.
/// </summary>
public sealed class EchoPolicy(string prefix = "act", TimeSpan delay = default) : IPolicy
{
    private int _calls;

    public string Id => $"echo:{prefix}";

    public ConcurrentQueue<int> BatchSizes { get; } = new();

    public int Calls => Volatile.Read(ref _calls);

    public static string ActionFor(string prefix, string episodeId, int turn) => string.Create(CultureInfo.InvariantCulture, $"{prefix} {episodeId}/{turn}");

    public static string ActionFor(string prefix, long episode, int turn) => ActionFor(prefix, episode.ToString(CultureInfo.InvariantCulture), turn);

    public async ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        Interlocked.Increment(ref _calls);
        BatchSizes.Enqueue(requests.Count);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, cancellationToken);
        }

        return [.. requests.Select(r => new AgentAction(ActionFor(prefix, r.EpisodeId, r.Turn)))];
    }
}

/// <summary>How a <see cref="FaultyPolicy"/> misbehaves.</summary>
public enum PolicyFault
{
    ThrowSynchronously,
    ThrowAsynchronously,
    ReturnTooFewActions,
}

/// <summary>Acts normally until a batch contains a request for <paramref name="failAtTurn"/>, then misbehaves.</summary>
public sealed class FaultyPolicy(PolicyFault fault, int failAtTurn) : IPolicy
{
    public const string Message = "policy exploded";

    public string Id => $"faulty:{fault}";

    public ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Any(r => r.Turn == failAtTurn))
        {
            switch (fault)
            {
                case PolicyFault.ThrowSynchronously:
                    throw new InvalidOperationException(Message);
                case PolicyFault.ThrowAsynchronously:
                    return ThrowLaterAsync();
                case PolicyFault.ReturnTooFewActions:
                    return ValueTask.FromResult<IReadOnlyList<AgentAction>>([]);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<AgentAction>>([.. requests.Select(r => new AgentAction(EchoPolicy.ActionFor("ok", r.EpisodeId, r.Turn)))]);
    }

    private static async ValueTask<IReadOnlyList<AgentAction>> ThrowLaterAsync()
    {
        await Task.Yield();
        throw new InvalidOperationException(Message);
    }
}
