using Akka.Actor;
using Gym.Core;
using Gym.Core.Episodes;

namespace Gym.Cluster.Wire;

/// <summary>
/// The head's order to the sharded entity <see cref="SessionId"/> to host a server session's
/// environment; sent through the session shard region, which delivers it to whichever node hosts the
/// entity's shard. Answered with <see cref="ServerSessionOpened"/> or <see cref="ServerSessionFailed"/>.
/// </summary>
/// <param name="SessionId">The server session's id, which is also the entity id.</param>
/// <param name="Source">What the node resolves to an environment registry: an environment id or a scenario path.</param>
/// <param name="EnvironmentId">The environment (or scenario) id within that registry.</param>
/// <param name="Parameters">The session's environment parameters, already checked by the head.</param>
public sealed record OpenServerSession(string SessionId, string Source, string EnvironmentId, IReadOnlyDictionary<string, string> Parameters) : IClusterMessage;

/// <summary>The entity hosts the session's environment now; the head sends resets and steps to <paramref name="Entity"/> directly and watches it.</summary>
/// <param name="Entity">The entity actor.</param>
public sealed record ServerSessionOpened(IActorRef Entity) : IClusterMessage;

/// <summary>Resets the hosted environment; answered with <see cref="ServerSessionReset"/> or <see cref="ServerSessionFailed"/>.</summary>
/// <param name="Seed">The episode seed.</param>
/// <param name="Attempt">The attempt at the seed's task.</param>
public sealed record ResetServerSession(long Seed, int Attempt) : IClusterMessage;

/// <summary>Steps the hosted environment; answered with <see cref="ServerSessionStepped"/> or <see cref="ServerSessionFailed"/>.</summary>
/// <param name="Action">The action.</param>
public sealed record StepServerSession(AgentAction Action) : IClusterMessage;

/// <summary>The environment's answer to a reset.</summary>
/// <param name="Result">The first observation and info.</param>
public sealed record ServerSessionReset(ResetResult Result) : IClusterMessage;

/// <summary>The environment's answer to a step.</summary>
/// <param name="Result">The step's result.</param>
public sealed record ServerSessionStepped(StepResult Result) : IClusterMessage;

/// <summary>The node could not open the session, or its environment threw while resetting or stepping.</summary>
/// <param name="Error">What went wrong.</param>
public sealed record ServerSessionFailed(string Error) : IClusterMessage;

/// <summary>Ends a session's entity (and disposes its environment): sent by the head when the session closes, and by sharding itself on hand-off.</summary>
public sealed record CloseServerSession : IClusterMessage
{
    /// <summary>The message.</summary>
    public static CloseServerSession Instance { get; } = new();
}
