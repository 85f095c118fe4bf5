using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Trajectories;

namespace Gym.Core.Tests.Trajectories;

/// <summary>Hand-built episodes and temp folders for the trajectory tests.</summary>
internal static class TrajectoryTestData
{
    public static RewardTerm Process(string name, double raw, double weight = 1) => new(name, RewardKind.Process, raw, weight);

    public static RewardTerm Outcome(string name, double raw, double weight = 1) => new(name, RewardKind.Outcome, raw, weight);

    /// <summary>An episode recorder after reset, ready for steps.</summary>
    public static EpisodeRecorder Start(long episode, string environmentId = "test/echo-v0")
    {
        var recorder = new EpisodeRecorder(episode, environmentId, seed: 1000 + episode, policyId: "scripted");
        recorder.Reset(new ResetResult(
            [ChatMessage.System("You are terse."), ChatMessage.User($"What is {episode} + 1?")],
            StepInfo.Empty.With("difficulty", episode % 3)));
        return recorder;
    }

    /// <summary>Records one step whose reward is the sum of <paramref name="terms"/>.</summary>
    public static void Step(EpisodeRecorder recorder, RewardTerm[] terms, StopReason stop = StopReason.None, bool success = false)
    {
        var breakdown = new RewardBreakdown(terms);
        var terminated = stop is StopReason.Answered or StopReason.TerminalState;
        var truncated = stop == StopReason.MaxTurns;
        var info = terminated || truncated ? StepInfo.Empty.With(StepInfo.IsSuccess, success) : StepInfo.Empty;
        var action = new AgentAction($"<answer>{recorder.TurnCount}</answer>", [1, 2, 3], [-0.5f, -0.25f, -0.125f]);
        recorder.Step(action, new StepResult(
            [ChatMessage.User($"turn {recorder.TurnCount} seen")],
            breakdown.Total,
            breakdown,
            terminated,
            truncated,
            stop,
            info,
            []));
    }

    /// <summary>A completed two-turn episode with process and outcome components.</summary>
    public static EpisodeRecord Completed(long episode)
    {
        var recorder = Start(episode);
        Step(recorder, [Process("format", 1, 0.1)]);
        Step(recorder, [Process("format", 1, 0.1), Outcome("numeric_match", episode % 2)], StopReason.Answered, success: episode % 2 == 1);
        return recorder.Complete();
    }

    public static IReadOnlyList<EpisodeRecord> CompletedRange(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Completed(i))];

    public static string Line(EpisodeRecord record) => TrajectoryJson.Serialize(record) + "\n";
}

/// <summary>A fresh folder under the temp directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    private static int s_counter;

    public TempDirectory()
    {
        Path = System.IO.Path.Combine(
            System.IO.Path.GetTempPath(),
            $"gym-trajectories-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder must not fail a test that passed.
        }
    }
}
