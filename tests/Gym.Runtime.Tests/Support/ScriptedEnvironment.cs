using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Registry;
using Gym.Core.Rewards;

namespace Gym.Runtime.Tests.Support;

/// <summary>Where a <see cref="ScriptedEnvironment"/> throws.</summary>
public enum FailureMode
{
    None,
    ThrowInStep,
    ThrowInStepAsync,
    ThrowInReset,
    ThrowInConstructor,
}

/// <summary>
/// A tiny deterministic environment: every episode lasts <see cref="Turns"/> steps, each worth
/// reward 1, and each observation echoes the action. Depending on its <see cref="FailureMode"/>
/// it throws for seeds where <c>seed % 3 == 0</c>: synchronously from <see cref="StepAsync"/> at
/// turn <see cref="FailingTurn"/>, from an asynchronous continuation there, from
/// <see cref="ResetAsync"/>, or always from its constructor.
/// </summary>
public sealed class ScriptedEnvironment : IEnvironment
{
    public const int Turns = 4;
    public const int FailingTurn = 2;

    private readonly FailureMode _mode;
    private long _seed;
    private int _turn = -1;

    public ScriptedEnvironment(string id, FailureMode mode)
    {
        if (mode == FailureMode.ThrowInConstructor)
        {
            throw new InvalidOperationException($"{id}: constructor exploded");
        }

        Id = id;
        _mode = mode;
    }

    public string Id { get; }

    public int MaxTurns => Turns;

    public static bool Fails(long seed) => seed % 3 == 0;

    public static string StepFailure(int turn, long seed) => $"step {turn} exploded for seed {seed}";

    public static string ResetFailure(long seed) => $"reset exploded for seed {seed}";

    public static string Echo(int turn, string action) => $"turn {turn} saw '{action}'";

    public ValueTask<ResetResult> ResetAsync(long seed, CancellationToken cancellationToken = default)
    {
        if (_mode == FailureMode.ThrowInReset && Fails(seed))
        {
            throw new InvalidOperationException(ResetFailure(seed));
        }

        _seed = seed;
        _turn = 0;
        IReadOnlyList<ChatMessage> observation = [ChatMessage.System("scripted"), ChatMessage.User($"task for seed {seed}")];
        return ValueTask.FromResult(new ResetResult(observation, StepInfo.Empty.With("seed", seed)));
    }

    public ValueTask<StepResult> StepAsync(AgentAction action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (_turn < 0 || _turn >= Turns)
        {
            throw new InvalidOperationException("step outside an episode");
        }

        if (Fails(_seed) && _turn == FailingTurn)
        {
            if (_mode == FailureMode.ThrowInStep)
            {
                throw new InvalidOperationException(StepFailure(_turn, _seed));
            }

            if (_mode == FailureMode.ThrowInStepAsync)
            {
                return ThrowLaterAsync(StepFailure(_turn, _seed));
            }
        }

        var result = Advance(action);
        return _mode == FailureMode.ThrowInStepAsync ? YieldAsync(result) : ValueTask.FromResult(result);
    }

    private StepResult Advance(AgentAction action)
    {
        var turn = _turn++;
        var done = _turn == Turns;
        var breakdown = new RewardBreakdown([new RewardTerm("step", RewardKind.Process, 1, 1)]);
        var info = StepInfo.Empty.With("turn", turn);
        if (done)
        {
            info = info.With(StepInfo.IsSuccess, true);
        }

        return new StepResult(
            [ChatMessage.User(Echo(turn, action.Text))],
            breakdown.Total,
            breakdown,
            Terminated: done,
            Truncated: false,
            done ? StopReason.Answered : StopReason.None,
            info,
            []);
    }

    private static async ValueTask<StepResult> YieldAsync(StepResult result)
    {
        await Task.Yield();
        return result;
    }

    private static async ValueTask<StepResult> ThrowLaterAsync(string message)
    {
        await Task.Yield();
        throw new InvalidOperationException(message);
    }
}

/// <summary>A registry of scripted test environments, one id per failure mode.</summary>
public static class TestEnvironments
{
    public const string Scripted = "test/scripted-v0";
    public const string Throwing = "test/throwing-v0";
    public const string ThrowingAsync = "test/throwing-async-v0";
    public const string ThrowingReset = "test/throwing-reset-v0";
    public const string ThrowingConstructor = "test/throwing-constructor-v0";

    public static IReadOnlyDictionary<string, string> NoParameters { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public static EnvironmentRegistry Registry() => new EnvironmentRegistry()
        .Register(Describe(Scripted, FailureMode.None))
        .Register(Describe(Throwing, FailureMode.ThrowInStep))
        .Register(Describe(ThrowingAsync, FailureMode.ThrowInStepAsync))
        .Register(Describe(ThrowingReset, FailureMode.ThrowInReset))
        .Register(Describe(ThrowingConstructor, FailureMode.ThrowInConstructor));

    private static EnvironmentDescriptor Describe(string id, FailureMode mode) =>
        new(id, $"scripted test environment ({mode})", NoParameters, _ => new ScriptedEnvironment(id, mode));
}
