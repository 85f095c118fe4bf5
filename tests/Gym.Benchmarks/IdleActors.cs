using Akka.Actor;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Registry;
using Gym.Core.Rewards;

namespace Gym.Benchmarks;

/// <summary>Spawns N named, death-watched children on request and answers with N: a bare-actor memory baseline.</summary>
internal sealed class SpawnerActor : ReceiveActor
{
    public SpawnerActor(bool typedHandlers)
    {
        Receive<int>(count =>
        {
            for (var i = 0; i < count; i++)
            {
                var props = typedHandlers ? Props.Create(() => new TypedIdleActor()) : Props.Create(() => new MinimalIdleActor());
                Context.Watch(Context.ActorOf(props, $"idle-{i}"));
            }

            Sender.Tell(count);
        });
        Receive<Terminated>(_ => { });
    }
}

/// <summary>The smallest possible actor: no state, one catch-all handler.</summary>
internal sealed class MinimalIdleActor : UntypedActor
{
    protected override void OnReceive(object message)
    {
    }
}

/// <summary>A stateless ReceiveActor registering six typed handlers, the shape of the episode actor without its state.</summary>
internal sealed class TypedIdleActor : ReceiveActor
{
    public TypedIdleActor()
    {
        Receive<string>(_ => { });
        Receive<int>(_ => { });
        Receive<long>(_ => { });
        Receive<double>(_ => { });
        Receive<Guid>(_ => { });
        Receive<DateTime>(_ => { });
    }
}

/// <summary>
/// A trivial environment (one shared message, no state) for measuring the runtime's own per-episode
/// cost without an environment's footprint.
/// </summary>
internal sealed class IdleEnvironment : IEnvironment
{
    public const string EnvironmentId = "bench/idle-v0";

    private static readonly ResetResult Started = new([ChatMessage.User("Answer with any number.")], StepInfo.Empty);
    private static readonly StepResult Done = new([], 0, RewardBreakdown.Empty, true, false, StopReason.Answered, StepInfo.Empty, []);

    public string Id => EnvironmentId;

    public int MaxTurns => 1;

    public static void Register(EnvironmentRegistry registry) =>
        registry.Register(new EnvironmentDescriptor(EnvironmentId, "benchmark-only: no state, ends at the first step", new Dictionary<string, string>(), _ => new IdleEnvironment()));

    public ValueTask<ResetResult> ResetAsync(long seed, CancellationToken cancellationToken = default) => ValueTask.FromResult(Started);

    public ValueTask<StepResult> StepAsync(AgentAction action, CancellationToken cancellationToken = default) => ValueTask.FromResult(Done);
}

/// <summary>
/// A near-free environment that ends after <c>turns</c> steps (parameter, default 4): measures the
/// runtime's per-episode and per-step overhead with almost no environment work.
/// </summary>
internal sealed class CountingEnvironment(int turns) : IEnvironment
{
    public const string EnvironmentId = "bench/turns-v0";

    private static readonly ResetResult Started = new([ChatMessage.User("Say anything.")], StepInfo.Empty);
    private static readonly StepResult Going = new([], 0, RewardBreakdown.Empty, false, false, StopReason.None, StepInfo.Empty, []);
    private static readonly StepResult Done = new([], 0, RewardBreakdown.Empty, true, false, StopReason.Answered, StepInfo.Empty, []);
    private int _turn;

    public string Id => EnvironmentId;

    public int MaxTurns => turns;

    public static void Register(EnvironmentRegistry registry) =>
        registry.Register(new EnvironmentDescriptor(
            EnvironmentId,
            "benchmark-only: ends after 'turns' near-free steps",
            new Dictionary<string, string> { ["turns"] = "1-1000 steps per episode" },
            parameters => new CountingEnvironment(parameters.GetInt("turns", 4, 1, 1000))));

    public ValueTask<ResetResult> ResetAsync(long seed, CancellationToken cancellationToken = default)
    {
        _turn = 0;
        return ValueTask.FromResult(Started);
    }

    public ValueTask<StepResult> StepAsync(AgentAction action, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(++_turn >= turns ? Done : Going);
}

/// <summary>
/// Wraps an environment so that every step first yields to the thread pool: C direct loops then
/// really hold C episodes in flight at once, interleaved step by step like the actor runtime's.
/// </summary>
internal sealed class YieldingEnvironment(IEnvironment inner) : IEnvironment
{
    public string Id => inner.Id;

    public int MaxTurns => inner.MaxTurns;

    public ValueTask<ResetResult> ResetAsync(long seed, CancellationToken cancellationToken = default) => inner.ResetAsync(seed, cancellationToken);

    public async ValueTask<StepResult> StepAsync(AgentAction action, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return await inner.StepAsync(action, cancellationToken).ConfigureAwait(false);
    }
}
