using System.Text.Json;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Trajectories;

namespace Gym.Core.Checking;

/// <summary>The result of one contract check.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Passed">Whether the environment satisfied it.</param>
/// <param name="Detail">Why it failed, or a short note.</param>
public sealed record CheckResult(string Name, bool Passed, string Detail);

/// <summary>All contract checks for one environment.</summary>
/// <param name="EnvironmentId">The environment checked.</param>
/// <param name="Results">One result per check, in the order run.</param>
public sealed record CheckReport(string EnvironmentId, IReadOnlyList<CheckResult> Results)
{
    /// <summary>Whether every check passed.</summary>
    public bool Passed => Results.All(r => r.Passed);
}

/// <summary>
/// Verifies the environment contract (Gymnasium's <c>check_env</c> idea, for multi-turn text):
/// reset shapes, seeding determinism, malformed actions never throw, breakdowns sum to rewards,
/// terminated and truncated stay apart, the turn limit truncates, and misuse is reported.
/// Each check gets fresh environments from the factory so that one failure cannot mask another.
/// </summary>
public static class EnvironmentChecker
{
    /// <summary>
    /// Actions that neither built-in action format accepts (each is malformed for JSON tool calls
    /// and for XML tags alike), and none may make an environment throw.
    /// </summary>
    public static IReadOnlyList<string> MalformedActions { get; } =
    [
        "",
        "   ",
        "I think the answer is 42.",
        "<answer>",
        "<answer></answer>",
        "</answer>",
        "<tool_call>{not json}</tool_call>",
        "<tool_call>[1, 2]</tool_call>",
        "<tool_call>{\"arguments\": {}}</tool_call>",
        "<think>a</think><think>b</think>",
        // Both an answer and a tool call, in each format's tool syntax: the XML-tag parser reads
        // <tool_call> as plain text (and the JSON parser <tool>), so either alone would be a valid answer there.
        "<answer>1</answer><tool_call>{\"name\": \"x\", \"arguments\": {}}</tool_call><tool name=\"x\">{}</tool>",
        "<tool name=\"\">x</tool>",
        "<answer><answer>1</answer></answer>",
        "\u0000\uFFFF\uD800 <<<>>> ]]>",
        new string('x', 100_000),
    ];

    /// <summary>Runs every check against environments made by <paramref name="create"/>.</summary>
    /// <param name="create">Makes a fresh environment instance.</param>
    /// <param name="expert">An expert for the same environment, to check full trajectories; optional.</param>
    /// <param name="seeds">Seeds to probe; defaults to 0..4.</param>
    /// <param name="cancellationToken">Stops the checks.</param>
    public static async Task<CheckReport> CheckAsync(Func<IEnvironment> create, IPolicy? expert = null, IReadOnlyList<long>? seeds = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(create);
        seeds ??= [0, 1, 2, 3, 4];
        var id = create().Id;
        var results = new List<CheckResult>();

        async Task Run(string name, Func<Task<string?>> check)
        {
            string? failure;
            try
            {
                failure = await check().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failure = $"threw {ex.GetType().Name}: {ex.Message}";
            }

            results.Add(new CheckResult(name, failure is null, failure ?? "ok"));
        }

        await Run("step before reset throws InvalidOperationException", async () =>
        {
            try
            {
                await create().StepAsync("<answer>0</answer>", cancellationToken).ConfigureAwait(false);
                return "step before reset did not throw";
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }).ConfigureAwait(false);

        await Run("reset returns a non-empty observation", async () =>
        {
            foreach (var seed in seeds)
            {
                var reset = await create().ResetAsync(seed, cancellationToken).ConfigureAwait(false);
                if (reset.Observation.Count == 0 || reset.Observation.Any(m => string.IsNullOrEmpty(m.Content)))
                {
                    return $"seed {seed}: the reset observation is empty or has an empty message";
                }
            }

            return null;
        }).ConfigureAwait(false);

        await Run("reset is deterministic for a seed", async () =>
        {
            foreach (var seed in seeds)
            {
                var a = Json(await create().ResetAsync(seed, cancellationToken).ConfigureAwait(false));
                var b = Json(await create().ResetAsync(seed, cancellationToken).ConfigureAwait(false));
                if (a != b)
                {
                    return $"seed {seed}: two resets differ";
                }
            }

            return null;
        }).ConfigureAwait(false);

        await Run("different seeds give different tasks", async () =>
        {
            var distinct = new HashSet<string>(StringComparer.Ordinal);
            foreach (var seed in seeds)
            {
                distinct.Add(Json((await create().ResetAsync(seed, cancellationToken).ConfigureAwait(false)).Observation));
            }

            return seeds.Count > 1 && distinct.Count == 1 ? $"all {seeds.Count} seeds gave the same observation" : null;
        }).ConfigureAwait(false);

        await Run("malformed actions never throw and are explained", async () =>
        {
            using var environment = create();
            foreach (var action in MalformedActions)
            {
                await environment.ResetAsync(seeds[0], cancellationToken).ConfigureAwait(false);
                var step = await environment.StepAsync(action, cancellationToken).ConfigureAwait(false);
                if (step.FormatError is null && !step.IsDone)
                {
                    return $"malformed action {Preview(action)} was accepted as well-formed";
                }

                if (step.FormatError is not null && step.Observation.Count == 0)
                {
                    return $"malformed action {Preview(action)} got no observation explaining the problem";
                }

                if (step.FormatError is not null && step.Reward >= 0 && step.Breakdown.Terms.All(t => t.Value >= 0))
                {
                    return $"malformed action {Preview(action)} was not penalized";
                }
            }

            return null;
        }).ConfigureAwait(false);

        await Run("every step's breakdown sums to its reward and flags are consistent", async () =>
        {
            foreach (var seed in seeds)
            {
                using var environment = create();
                await environment.ResetAsync(seed, cancellationToken).ConfigureAwait(false);
                for (var turn = 0; turn < environment.MaxTurns; turn++)
                {
                    var step = await environment.StepAsync(MalformedActions[turn % MalformedActions.Count], cancellationToken).ConfigureAwait(false);
                    var problem = CheckStep(step);
                    if (problem is not null)
                    {
                        return $"seed {seed}, turn {turn}: {problem}";
                    }

                    if (step.IsDone)
                    {
                        break;
                    }
                }
            }

            return null;
        }).ConfigureAwait(false);

        await Run("the turn limit truncates (not terminates)", async () =>
        {
            using var environment = create();
            await environment.ResetAsync(seeds[0], cancellationToken).ConfigureAwait(false);
            StepResult? last = null;
            for (var turn = 1; turn <= environment.MaxTurns; turn++)
            {
                last = await environment.StepAsync("no tags at all", cancellationToken).ConfigureAwait(false);
                if (last.IsDone && turn < environment.MaxTurns)
                {
                    return $"the episode ended at turn {turn} of {environment.MaxTurns} on malformed actions";
                }
            }

            return last is { Truncated: true, Terminated: false, StopReason: StopReason.MaxTurns }
                ? null
                : $"after {environment.MaxTurns} turns: terminated={last?.Terminated}, truncated={last?.Truncated}, stop={last?.StopReason}";
        }).ConfigureAwait(false);

        await Run("step after the end throws InvalidOperationException", async () =>
        {
            using var environment = create();
            await environment.ResetAsync(seeds[0], cancellationToken).ConfigureAwait(false);
            for (var turn = 0; turn < environment.MaxTurns; turn++)
            {
                await environment.StepAsync("no tags at all", cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await environment.StepAsync("no tags at all", cancellationToken).ConfigureAwait(false);
                return "stepping a finished episode did not throw";
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }).ConfigureAwait(false);

        if (expert is not null)
        {
            await Run("the same seed and actions give byte-identical trajectories", async () =>
            {
                foreach (var seed in seeds)
                {
                    var a = TrajectoryJson.Serialize(await EpisodeRunner.RunAsync(create(), expert, 0, seed, cancellationToken).ConfigureAwait(false));
                    var b = TrajectoryJson.Serialize(await EpisodeRunner.RunAsync(create(), expert, 0, seed, cancellationToken).ConfigureAwait(false));
                    if (a != b)
                    {
                        return $"seed {seed}: two runs with the same actions differ";
                    }
                }

                return null;
            }).ConfigureAwait(false);

            await Run("reset starts a clean episode on a reused instance", async () =>
            {
                using var environment = create();
                await EpisodeRunner.RunAsync(environment, expert, 0, seeds[^1], cancellationToken).ConfigureAwait(false);
                var reused = TrajectoryJson.Serialize(await EpisodeRunner.RunAsync(environment, expert, 0, seeds[0], cancellationToken).ConfigureAwait(false));
                var fresh = TrajectoryJson.Serialize(await EpisodeRunner.RunAsync(create(), expert, 0, seeds[0], cancellationToken).ConfigureAwait(false));
                return reused == fresh ? null : "an episode on a reused instance differs from one on a fresh instance";
            }).ConfigureAwait(false);

            await Run("expert trajectories satisfy the step contract", async () =>
            {
                foreach (var seed in seeds)
                {
                    var record = await EpisodeRunner.RunAsync(create(), expert, 0, seed, cancellationToken).ConfigureAwait(false);
                    foreach (var turn in record.Turns)
                    {
                        var step = new StepResult(turn.Observation, turn.Reward, turn.Breakdown, turn.Terminated, turn.Truncated, turn.StopReason, turn.Info, turn.ToolCalls, turn.FormatError);
                        var problem = CheckStep(step);
                        if (problem is not null)
                        {
                            return $"seed {seed}, turn {turn.Turn}: {problem}";
                        }
                    }
                }

                return null;
            }).ConfigureAwait(false);
        }

        return new CheckReport(id, results);
    }

    private static string? CheckStep(StepResult step)
    {
        if (!double.IsFinite(step.Reward))
        {
            return $"reward {step.Reward} is not finite";
        }

        if (Math.Abs(step.Reward - step.Breakdown.Total) > 1e-12)
        {
            return $"reward {step.Reward} differs from the breakdown total {step.Breakdown.Total}";
        }

        if (step.Terminated && step.Truncated)
        {
            return "terminated and truncated are both set";
        }

        var expected = step.Terminated ? [StopReason.Answered, StopReason.TerminalState]
            : step.Truncated ? [StopReason.MaxTurns]
            : new[] { StopReason.None };
        return expected.Contains(step.StopReason) ? null : $"stop reason {step.StopReason} does not fit terminated={step.Terminated}, truncated={step.Truncated}";
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, TrajectoryJson.Options);

    private static string Preview(string action) =>
        JsonSerializer.Serialize(action.Length > 40 ? action[..40] + "…" : action);
}
