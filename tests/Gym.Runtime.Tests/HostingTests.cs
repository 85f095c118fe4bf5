using Akka.Actor;
using FluentAssertions;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Runtime.Hosting;
using Gym.Runtime.Rollouts;
using Gym.Runtime.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Gym.Runtime.Tests;

/// <summary>A real Microsoft.Extensions.Hosting host running the Gym runtime, started once for the class and stopped at the end.</summary>
public sealed class GymHostFixture : IAsyncLifetime
{
    private IHost? _host;

    public EnvironmentRegistry Registry { get; } = new EnvironmentRegistry().AddToolUse();

    public IHost Host => _host ?? throw new InvalidOperationException("the host is not started");

    public RolloutRunner Runner => Host.Services.GetRequiredService<RolloutRunner>();

    public static IHost Build(EnvironmentRegistry registry)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(registry);
        builder.Services.AddGymRuntime();
        return builder.Build();
    }

    public async Task InitializeAsync()
    {
        _host = Build(Registry);
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }
}

public sealed class HostingTests(GymHostFixture fixture) : IClassFixture<GymHostFixture>
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Rollouts_are_byte_identical_at_any_concurrency_and_agree_with_the_reference_loop()
    {
        using var temp = new TempDirectory();
        var id = ToolUseEnvironments.Arithmetic;
        var expert = Expert(id, 0.1);
        var serial = new RolloutPlan(id, TestEnvironments.NoParameters, Episodes: 200, Concurrency: 1, Seed: 12345);
        var parallel = serial with { Concurrency = 32 };

        var serialResult = await RunToFileAsync(serial, expert, temp.File("serial.jsonl"));
        var parallelResult = await RunToFileAsync(parallel, expert, temp.File("parallel.jsonl"));

        serialResult.Completion.Should().Be(new RolloutCompleted(serialResult.Completion.RunId, 200, 0, 0, null));
        parallelResult.Completion.Should().Be(new RolloutCompleted(parallelResult.Completion.RunId, 200, 0, 0, null));
        var serialBytes = await File.ReadAllBytesAsync(temp.File("serial.jsonl"));
        var parallelBytes = await File.ReadAllBytesAsync(temp.File("parallel.jsonl"));
        var serialLines = await File.ReadAllLinesAsync(temp.File("serial.jsonl"));
        var parallelLines = await File.ReadAllLinesAsync(temp.File("parallel.jsonl"));
        serialLines.Should().HaveCount(200);
        parallelLines.Should().Equal(serialLines);
        parallelBytes.AsSpan().SequenceEqual(serialBytes).Should().BeTrue("the files must be byte-identical");

        var records = serialLines.Select(TrajectoryJson.Deserialize).ToList();
        records.Select(r => r.Episode).Should().Equal(Enumerable.Range(0, 200).Select(i => (long)i));
        records.Select(r => r.Seed).Should().OnlyHaveUniqueItems();
        records.Should().Contain(r => r.Turns.Count > 1, "arithmetic episodes are multi-turn");
        records.Select(r => r.TotalReward).Distinct().Should().HaveCountGreaterThan(1, "the expert's mistakes vary the rewards");

        foreach (var episode in new long[] { 0, 1, 2, 57, 199 })
        {
            var environment = fixture.Registry.Make(id);
            var reference = await EpisodeRunner.RunAsync(environment, expert, episode, serial.SeedOf(episode));
            serialLines[episode].Should().Be(TrajectoryJson.Serialize(reference), $"episode {episode} must match the direct loop");
        }
    }

    [Fact]
    public async Task Four_thousand_concurrent_episodes_complete_without_failures()
    {
        const int Episodes = 4096;
        var id = ToolUseEnvironments.ArithmeticEasy;
        var plan = new RolloutPlan(id, TestEnvironments.NoParameters, Episodes, Concurrency: Episodes, Seed: 4096);
        var sink = new InMemoryTrajectorySink();

        var result = await fixture.Runner.RunAsync(plan, Expert(id, 0), sink).WaitAsync(RunTimeout);

        result.WasCancelled.Should().BeFalse();
        result.Completion.Should().Be(new RolloutCompleted(result.Completion.RunId, Episodes, 0, 0, null));
        result.Summary.Episodes.Should().Be(Episodes);
        result.Summary.Failed.Should().Be(0);
        sink.IsCompleted.Should().BeTrue();
        var records = sink.Snapshot();
        records.Should().HaveCount(Episodes);
        records.Should().OnlyContain(r => r.Status == EpisodeStatus.Completed && r.Error == null);
        records.Select(r => r.Episode).Should().Equal(Enumerable.Range(0, Episodes).Select(i => (long)i));
        result.Summary.SuccessRate.Should().Be(1, "the error-free expert solves every easy problem");
    }

    [Fact]
    public async Task A_host_runs_a_rollout_and_stops_its_actor_system()
    {
        using var host = GymHostFixture.Build(new EnvironmentRegistry().AddToolUse());
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var runner = host.Services.GetRequiredService<RolloutRunner>();
        var id = ToolUseEnvironments.ArithmeticEasy;

        var result = await runner.RunAsync(new RolloutPlan(id, TestEnvironments.NoParameters, 10, 4, Seed: 1), Expert(id, 0), new InMemoryTrajectorySink()).WaitAsync(RunTimeout);
        await host.StopAsync();

        result.Completion.Finished.Should().Be(10);
        await system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(10));
        system.WhenTerminated.IsCompletedSuccessfully.Should().BeTrue();
    }

    private IPolicy Expert(string id, double errorRate) =>
        fixture.Registry.Get(id).CreateExpert!(EnvironmentParameters.None, new ExpertSettings(errorRate));

    private async Task<RolloutResult> RunToFileAsync(RolloutPlan plan, IPolicy policy, string path)
    {
        await using var sink = JsonlTrajectorySink.Create(path);
        return await fixture.Runner.RunAsync(plan, policy, sink).WaitAsync(RunTimeout);
    }
}
