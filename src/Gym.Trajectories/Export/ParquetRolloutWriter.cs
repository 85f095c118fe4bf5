using System.Text.Json;
using Parquet;
using Parquet.Serialization;

namespace Gym.Core.Trajectories;

/// <summary>What one row of a Parquet rollout file holds.</summary>
public enum ParquetRowLayout
{
    /// <summary>One row per turn (<see cref="ParquetTurnRow"/>): the unit RL trainers batch.</summary>
    Turn,

    /// <summary>One row per episode (<see cref="ParquetEpisodeRow"/>): the unit SFT and analysis read.</summary>
    Episode,
}

/// <summary>
/// Writes rollouts as Parquet with Parquet.Net (schema: docs/rollouts.md). The file is written to a
/// temporary file next to the target and renamed over it at the end, so the target is always either
/// the previous file or a complete new one, even after Ctrl+C or a crash. The same episodes always
/// give the same bytes.
/// </summary>
public static class ParquetRolloutWriter
{
    private static readonly JsonNamingPolicy Snake = JsonNamingPolicy.SnakeCaseLower;

    /// <summary>Writes <paramref name="episodes"/> to <paramref name="path"/> and returns how many rows it wrote.</summary>
    /// <exception cref="TrajectoryFormatException">An episode's recorded context points outside the episode.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; <paramref name="path"/> was left as it was.</exception>
    public static async Task<int> WriteAsync(IEnumerable<EpisodeRecord> episodes, string path, ParquetRowLayout layout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            int rows;
            await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None))
            {
                rows = layout == ParquetRowLayout.Turn
                    ? await SerializeAsync(episodes.SelectMany(TurnRows), stream, cancellationToken).ConfigureAwait(false)
                    : await SerializeAsync(episodes.Select(EpisodeRow), stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temporary, full, overwrite: true);
            return rows;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static async Task<int> SerializeAsync<T>(IEnumerable<T> rows, Stream stream, CancellationToken cancellationToken)
    {
        // Materialized so a malformed line fails before anything is written, and a cancellation
        // between episodes stops the reading.
        var list = new List<T>();
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            list.Add(row);
        }

        await ParquetSerializer.SerializeAsync(list, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return list.Count;
    }

    /// <summary>The turn rows of one episode, in turn order.</summary>
    public static IEnumerable<ParquetTurnRow> TurnRows(EpisodeRecord episode)
    {
        ArgumentNullException.ThrowIfNull(episode);
        for (var index = 0; index < episode.Turns.Count; index++)
        {
            var turn = episode.Turns[index];
            yield return new ParquetTurnRow
            {
                Episode = episode.Episode,
                EnvironmentId = episode.EnvironmentId,
                Seed = episode.Seed,
                PolicyId = episode.PolicyId,
                Turn = turn.Turn,
                Text = turn.Action.Text,
                TokenIds = turn.Action.TokenIds?.ToList(),
                LogProbs = turn.Action.LogProbs?.Select(p => (double)p).ToList(),
                Context = [.. Context(episode, index).Select(Message)],
                Observation = [.. turn.Observation.Select(Message)],
                Reward = turn.Reward,
                RewardComponents = [.. turn.Breakdown.Terms.Select(t => new ParquetRewardComponent { Name = t.Name, Kind = Name(t.Kind), Raw = t.Raw, Weight = t.Weight, Value = t.Value })],
                Terminated = turn.Terminated,
                Truncated = turn.Truncated,
                StopReason = Name(turn.StopReason),
                FormatError = turn.FormatError,
                ContextTokens = turn.ContextTokens,
                EpisodeStatus = Name(episode.Status),
                EpisodeSuccess = episode.Success,
                EpisodeReward = episode.TotalReward,
            };
        }
    }

    /// <summary>The episode row of one episode.</summary>
    public static ParquetEpisodeRow EpisodeRow(EpisodeRecord episode)
    {
        ArgumentNullException.ThrowIfNull(episode);
        var messages = episode.Prompt.Select(m => Conversation(-1, m)).ToList();
        foreach (var turn in episode.Turns)
        {
            messages.Add(Conversation(turn.Turn, ChatMessage.Assistant(turn.Action.Text)));
            messages.AddRange(turn.Observation.Select(m => Conversation(turn.Turn, m)));
        }

        return new ParquetEpisodeRow
        {
            Episode = episode.Episode,
            EnvironmentId = episode.EnvironmentId,
            Seed = episode.Seed,
            PolicyId = episode.PolicyId,
            Status = Name(episode.Status),
            StopReason = Name(episode.StopReason),
            Terminated = episode.Terminated,
            Truncated = episode.Truncated,
            Success = episode.Success,
            TotalReward = episode.TotalReward,
            NumTurns = episode.Turns.Count,
            Messages = messages,
            Actions = [.. episode.Turns.Select(t => new ParquetAction
            {
                Turn = t.Turn,
                Text = t.Action.Text,
                TokenIds = t.Action.TokenIds?.ToList(),
                LogProbs = t.Action.LogProbs?.Select(p => (double)p).ToList(),
                Reward = t.Reward,
            })],
            RewardComponents = [.. episode.ComponentTotals().Select(c => new ParquetComponentTotal { Name = c.Key, Value = c.Value })],
            PeakContextTokens = episode.PeakContextTokens,
            Error = episode.Error,
        };
    }

    private static IReadOnlyList<ChatMessage> Context(EpisodeRecord episode, int turn)
    {
        try
        {
            return ContextRebuilder.Rebuild(episode, turn);
        }
        catch (InvalidDataException ex)
        {
            throw new TrajectoryFormatException($"episode {episode.Episode}, turn {turn}: {ex.Message}", ex);
        }
    }

    private static ParquetMessage Message(ChatMessage message) => new() { Role = message.Role.WireName(), Content = message.Content, Name = message.Name };

    private static ParquetConversationMessage Conversation(int turn, ChatMessage message) => new() { Turn = turn, Role = message.Role.WireName(), Content = message.Content, Name = message.Name };

    private static string Name<T>(T value)
        where T : struct, Enum => Snake.ConvertName(value.ToString());
}
