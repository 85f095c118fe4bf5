using Akka.Actor;
using Akka.Configuration;
using FluentAssertions;
using Gym.Cluster.Wire;
using Gym.Core;
using Gym.Core.Context;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Runtime.Rollouts;
using Xunit;

namespace Gym.Cluster.Tests;

/// <summary>Every message that crosses nodes has the explicit wire format, and survives it unchanged.</summary>
public sealed class WireSerializerTests : IDisposable
{
    // The runtime's messages an episode actor on a worker exchanges with the head's policy gateway.
    private static readonly Type[] RuntimeMessagesOnTheWire = [typeof(RequestAction), typeof(ActionChosen), typeof(ActionFailed)];

    private readonly ActorSystem _system = ActorSystem.Create("gym", ConfigurationFactory.ParseString(GymWireSerializer.Hocon()));

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    public static TheoryData<string> RemoteMessageTypes()
    {
        var data = new TheoryData<string>();
        foreach (var type in ClusterMessageTypes().Concat(RuntimeMessagesOnTheWire))
        {
            data.Add(type.FullName!);
        }

        return data;
    }

    [Fact]
    public void The_assembly_has_cluster_messages_to_check() =>
        ClusterMessageTypes().Should().Contain([typeof(PlayShardedEpisode), typeof(EpisodeAccepted), typeof(ShardedEpisodeEnded), typeof(StopEpisodeEntity), typeof(OpenServerSession), typeof(ServerSessionStepped)]);

    [Theory]
    [MemberData(nameof(RemoteMessageTypes))]
    public void Every_remote_message_type_is_bound_to_the_gym_wire_serializer(string typeName)
    {
        var type = ClusterMessageTypes().Concat(RuntimeMessagesOnTheWire).Single(t => t.FullName == typeName);

        var serializer = _system.Serialization.FindSerializerForType(type);

        serializer.Should().BeOfType<GymWireSerializer>($"{type.Name} crosses nodes, so it needs the explicit wire format, not Akka's default reflection serializer (add it to GymWireSerializer.Manifests)");
        GymWireSerializer.Manifests.Should().ContainKey(type);
    }

    [Fact]
    public async Task An_episode_record_crosses_the_wire_as_its_exact_rollout_line()
    {
        var record = await PlayOneStepAsync();

        var back = RoundTrip(new ShardedEpisodeEnded("run-1", 2, record));

        back.RunId.Should().Be("run-1");
        back.Attempt.Should().Be(2);
        TrajectoryJson.Serialize(back.Record).Should().Be(TrajectoryJson.Serialize(record));
    }

    [Fact]
    public void An_order_to_play_keeps_its_plan_episode_and_actor_references()
    {
        var gateway = _system.ActorOf(Props.Empty, "gateway");
        var coordinator = _system.ActorOf(Props.Empty, "coordinator");
        var plan = new RolloutPlan("tool-use/arithmetic-v0", new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }, 300, 16, 5, GroupSize: 2, Memory: MemorySpec.ForWindow(3), Curriculum: new CurriculumPlan("level", ["1", "2"], 0.8, 10));
        var start = new EpisodeStart(41, 1, new Dictionary<string, string> { ["level"] = "2" });
        var play = new PlayShardedEpisode("run-1", "scenarios/x.yaml", "expert", plan, start, 3, gateway, coordinator);

        var back = RoundTrip(play);

        back.Gateway.Should().Be(gateway);
        back.Coordinator.Should().Be(coordinator);
        back.EntityId.Should().Be("run-1/41");
        back.Attempt.Should().Be(3);
        back.Start.Parameters.Should().Equal(start.Parameters);
        back.Plan.Parameters.Keys.Should().Equal(["b", "a"], "a worker's parameters enumerate in the head's order");
        back.Plan.Should().BeEquivalentTo(plan);
        back.Plan.SeedOf(41).Should().Be(plan.SeedOf(41));
    }

    [Fact]
    public void Action_requests_and_answers_keep_every_field()
    {
        var request = new RequestAction("run-1", new PolicyRequest("7", 99, 2, [ChatMessage.System("sys"), ChatMessage.User("héllo <b>"), ChatMessage.Tool("calc", "42")], new Dictionary<string, string> { ["k"] = "v" }, 1)) { Ticket = 12 };
        var chosen = new ActionChosen(new AgentAction("<answer>4</answer>", [1, 2, 3], [-0.5f, -1.25f, 0f])) { Ticket = 12 };
        var failed = new ActionFailed("policy down") { Ticket = 13 };

        var requestBack = RoundTrip(request);
        var chosenBack = RoundTrip(chosen);
        var failedBack = RoundTrip(failed);

        requestBack.Ticket.Should().Be(12);
        requestBack.Request.Should().BeEquivalentTo(request.Request);
        chosenBack.Ticket.Should().Be(12);
        chosenBack.Action.Should().BeEquivalentTo(chosen.Action);
        failedBack.Should().Be(failed);
        RoundTrip(new EpisodeAccepted("run-1", 5, 1)).Should().Be(new EpisodeAccepted("run-1", 5, 1));
        RoundTrip(StopEpisodeEntity.Instance).Should().BeSameAs(StopEpisodeEntity.Instance);
    }

    [Fact]
    public async Task A_server_session_s_reset_and_step_cross_the_wire_unchanged()
    {
        var registry = new EnvironmentRegistry().AddToolUse();
        using var environment = registry.Make("tool-use/arithmetic-v0", new EnvironmentParameters(new Dictionary<string, string>()));
        var reset = await environment.ResetAsync(42, 0);
        var action = new AgentAction("<answer>7</answer>", [5, 6], [-0.5f, -0.25f]);
        var step = await environment.StepAsync(action);

        var resetBack = RoundTrip(new ServerSessionReset(reset)).Result;
        var stepBack = RoundTrip(new ServerSessionStepped(step)).Result;

        resetBack.Observation.Should().Equal(reset.Observation);
        stepBack.Reward.Should().Be(step.Reward);
        stepBack.Terminated.Should().Be(step.Terminated);
        stepBack.StopReason.Should().Be(step.StopReason);
        stepBack.Breakdown.Terms.Should().Equal(step.Breakdown.Terms);
        stepBack.Info.Values.Keys.Should().Equal(step.Info.Values.Keys);
        System.Text.Json.JsonSerializer.Serialize(stepBack, TrajectoryJson.Options).Should().Be(System.Text.Json.JsonSerializer.Serialize(step, TrajectoryJson.Options));
        RoundTrip(new StepServerSession(action)).Action.Should().BeEquivalentTo(action);
        RoundTrip(new ResetServerSession(42, 3)).Should().Be(new ResetServerSession(42, 3));
        RoundTrip(new OpenServerSession("abc", "scenarios/x.yaml", "x", new Dictionary<string, string> { ["b"] = "1", ["a"] = "2" })).Parameters.Should().Equal(new Dictionary<string, string> { ["b"] = "1", ["a"] = "2" });
        RoundTrip(new ServerSessionFailed("boom")).Should().Be(new ServerSessionFailed("boom"));
        RoundTrip(CloseServerSession.Instance).Should().BeSameAs(CloseServerSession.Instance);
    }

    [Fact]
    public void An_unknown_manifest_names_the_likely_cause()
    {
        var serializer = new GymWireSerializer((ExtendedActorSystem)_system);

        serializer.Invoking(s => s.FromBinary([], "Z")).Should().Throw<System.Runtime.Serialization.SerializationException>().WithMessage("*another Gym version*");
    }

    private static IEnumerable<Type> ClusterMessageTypes() =>
        typeof(IClusterMessage).Assembly.GetTypes().Where(t => typeof(IClusterMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false });

    private T RoundTrip<T>(T message)
        where T : class
    {
        var serializer = (GymWireSerializer)_system.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        return (T)serializer.FromBinary(bytes, serializer.Manifest(message));
    }

    private static async Task<EpisodeRecord> PlayOneStepAsync()
    {
        var registry = new EnvironmentRegistry().AddToolUse();
        using var environment = registry.Make("tool-use/arithmetic-v0", new EnvironmentParameters(new Dictionary<string, string>()));
        var recorder = new EpisodeRecorder(3, "tool-use/arithmetic-v0", 42, "expert");
        recorder.Reset(await environment.ResetAsync(42, 0));
        var action = new AgentAction("<answer>7</answer>", [5, 6], [-0.5f, -0.25f]);
        recorder.Step(action, await environment.StepAsync(action));
        return recorder.IsDone ? recorder.Complete() : recorder.Fail("stopped after one step");
    }
}
