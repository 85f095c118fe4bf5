using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Runtime.Rollouts;

namespace Gym.Benchmarks;

/// <summary>
/// Plays the scenarios every suite uses until the JIT has tiered up (tier 0, instrumented, tier 1
/// with dynamic PGO), so that the first measured repetition is not slower than the others.
/// </summary>
internal static class Warmup
{
    private static readonly Dictionary<string, string> NoParameters = [];

    public static async Task RunAsync(BenchOptions options, TimeSpan atLeast)
    {
        Progress.Line($"warm-up: direct loops and actor runs for at least {atLeast.TotalSeconds:0} s");
        await using var host = await BenchHost.StartAsync("gym-bench-warmup").ConfigureAwait(false);
        var id = ToolUseEnvironments.Arithmetic;
        var expert = host.Registry.Get(id).CreateExpert!(EnvironmentParameters.None, new ExpertSettings(options.ErrorRate, options.Seed));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rounds = 0;
        while (rounds < 2 || clock.Elapsed < atLeast)
        {
            rounds++;
            var plan = new RolloutPlan(id, NoParameters, 1024, 64, options.Seed + rounds);
            var environment = host.Registry.Make(id);
            for (var episode = 0; episode < plan.Episodes; episode++)
            {
                await EpisodeRunner.RunAsync(environment, expert, episode, plan.SeedOf(episode)).ConfigureAwait(false);
            }

            await host.Runner.RunAsync(plan, expert, new CountingSink()).ConfigureAwait(false);
            await host.Runner.RunAsync(plan with { Concurrency = 1, Episodes = 256 }, expert, new CountingSink()).ConfigureAwait(false);
            await host.Runner.RunAsync(plan with { Concurrency = 1024 }, expert, new InMemoryTrajectorySink()).ConfigureAwait(false);
        }

        Progress.Line($"warm-up: {rounds} rounds in {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
