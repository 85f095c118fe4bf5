using Gym.Core.Episodes;

namespace Gym.Core.Trajectories;

/// <summary>A recorded episode that cannot be re-scored; the message names the episode and the turn.</summary>
public sealed class RescoreException(string message, Exception? inner = null) : Exception(message, inner), IUserError;

/// <summary>
/// Recomputes the rewards of recorded episodes under an environment's current reward program without
/// running the policy or the tools: the environment is reset with the recorded seed (and attempt),
/// and every recorded action is replayed with its recorded tool results. Actions, observations,
/// contexts and tool calls are kept as recorded; rewards, breakdowns and success are replaced.
/// </summary>
public static class EpisodeRescorer
{
    /// <summary>Re-scores one episode with <paramref name="environment"/> (a fresh or reusable instance of the scenario).</summary>
    /// <exception cref="RescoreException">The replay does not reproduce the record (another action format, turn limit or task).</exception>
    public static async ValueTask<EpisodeRecord> RescoreAsync(IReplayableEnvironment environment, EpisodeRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(record);
        var attempt = record.ResetInfo.Get("attempt", 0);
        await environment.ResetAsync(record.Seed, attempt, cancellationToken).ConfigureAwait(false);
        var turns = new List<TurnRecord>(record.Turns.Count);
        var total = 0.0;
        var success = false;
        foreach (var turn in record.Turns)
        {
            StepResult step;
            try
            {
                step = await environment.ReplayStepAsync(turn.Action, turn.ToolCalls, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ReplayMismatchException or InvalidOperationException)
            {
                throw new RescoreException($"episode {record.Episode}, turn {turn.Turn}: {ex.Message}", ex);
            }

            if (step.Terminated != turn.Terminated || step.Truncated != turn.Truncated)
            {
                throw new RescoreException(
                    $"episode {record.Episode}, turn {turn.Turn}: the replay {(step.IsDone ? "ends" : "continues")} the episode where the record {(turn.Terminated || turn.Truncated ? "ends" : "continues")} it; " +
                    "re-scoring needs the recorded task, action format and turn limit");
            }

            total += step.Reward;
            success = step.Info.Get(StepInfo.IsSuccess, false);
            // Recorded keys the replay does not produce (injected tool faults) are kept.
            turns.Add(turn with { Reward = step.Reward, Breakdown = step.Breakdown, Info = turn.Info.Merge(step.Info) });
        }

        return record with { Turns = turns, TotalReward = total, Success = record.Status == EpisodeStatus.Completed && success };
    }
}
