using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Environments.ToolUse.Arithmetic;

namespace Gym.Environments.ToolUse.Tests;

/// <summary>One episode played by <see cref="ContextPlay"/>: the reset, each action and each step.</summary>
public sealed record PlayedEpisode(long Seed, ResetResult Reset, IReadOnlyList<AgentAction> Actions, IReadOnlyList<StepResult> Steps)
{
    public StepResult Last => Steps[^1];

    public bool Success => Last.Info.Get(StepInfo.IsSuccess, false);

    public bool Terminated => Last.Terminated;

    public bool Truncated => Last.Truncated;
}

/// <summary>
/// Plays episodes with the context built by the test, not the recorder: the full history, or the
/// MEM1 context (the reset observation, the agent's latest action and the latest observation only).
/// </summary>
public static class ContextPlay
{
    public static async Task<PlayedEpisode> RunAsync(IEnvironment environment, IPolicy policy, long seed, bool mem1)
    {
        var reset = await environment.ResetAsync(seed);
        var history = new List<ChatMessage>(reset.Observation);
        IReadOnlyList<ChatMessage> latest = reset.Observation;
        var actions = new List<AgentAction>();
        var steps = new List<StepResult>();
        while (steps.Count == 0 || !steps[^1].IsDone)
        {
            if (steps.Count > environment.MaxTurns)
            {
                throw new InvalidOperationException("the environment did not end the episode at its turn limit");
            }

            var context = mem1 ? latest : [.. history];
            var action = (await policy.ActAsync([new PolicyRequest("0", seed, steps.Count, context)], CancellationToken.None))[0];
            var step = await environment.StepAsync(action);
            actions.Add(action);
            steps.Add(step);
            history.Add(ChatMessage.Assistant(action.Text));
            history.AddRange(step.Observation);
            latest = [.. reset.Observation, ChatMessage.Assistant(action.Text), .. step.Observation];
        }

        return new PlayedEpisode(seed, reset, actions, steps);
    }

    public static async Task<List<PlayedEpisode>> RunManyAsync(IEnvironment environment, IPolicy policy, int seeds, bool mem1)
    {
        var episodes = new List<PlayedEpisode>(seeds);
        for (var seed = 0; seed < seeds; seed++)
        {
            episodes.Add(await RunAsync(environment, policy, seed, mem1));
        }

        return episodes;
    }

    /// <summary>An arithmetic environment (a task source) built the way the registry builds it.</summary>
    public static ArithmeticEnvironment Arithmetic(int difficulty = 3, string format = "json-tool-calls", params string[] more) =>
        new(ToolUseEnvironments.Arithmetic, ArithmeticOptions.From(EnvironmentParameters.Parse([$"difficulty={difficulty}", $"format={format}", .. more]), difficulty));
}
