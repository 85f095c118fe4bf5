using Gym.Core.Tools;

namespace Gym.Core.Episodes;

/// <summary>
/// An environment that can replay a recorded episode without running its tools: after a reset with
/// the recorded seed and attempt, each recorded action is stepped with the recorded tool results
/// standing in for the tools. Re-scoring a rollout file under a changed reward specification
/// (<c>gym score</c>) is built on this.
/// </summary>
public interface IReplayableEnvironment : IEnvironment
{
    /// <summary>
    /// Steps <paramref name="action"/>, answering its tool calls, in order, from <paramref name="recorded"/>;
    /// throws <see cref="ReplayMismatchException"/> when the action's calls differ from the recorded ones.
    /// </summary>
    ValueTask<StepResult> ReplayStepAsync(AgentAction action, IReadOnlyList<ToolInvocation> recorded, CancellationToken cancellationToken = default);
}

/// <summary>A recorded turn that the environment does not reproduce (the action parses to other calls than those recorded).</summary>
public sealed class ReplayMismatchException(string message) : Exception(message);
