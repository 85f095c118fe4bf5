using Gym.Core.Rewards.Credit;
using Gym.Core.Trajectories;
using Gym.Learning.Policy;

namespace Gym.Learning.Training;

/// <summary>
/// Turns recorded episodes into supervised fine-tuning samples, one per turn: the context the acting
/// policy saw (rebuilt and rendered exactly as <see cref="TrainingSampleBuilder"/> does), followed by the
/// target action. Only the target is in the loss mask.
/// </summary>
/// <remarks>
/// <para>
/// An action that carries token ids (a <see cref="TorchPolicy"/> rollout) is used verbatim
/// (token-in/token-out): re-encoding its text could give different ids than the ones sampled. An action
/// with text only (a scripted expert) is encoded as content with <c>parseSpecialTokens: false</c>, so text
/// that looks like markup is never turned into a turn marker, and then <see cref="ChatTemplate.TurnEndId"/>
/// is appended so the model also learns to end its turn.
/// </para>
/// <para>
/// Log-probs are not needed by SFT, so <see cref="TrainingSample.OldLogProbs"/> is 0 everywhere and an
/// action with ids but no log-probs is accepted.
/// </para>
/// </remarks>
/// <param name="template">The chat template the trained policy will act with.</param>
public sealed class SftSampleBuilder(ChatTemplate template)
{
    private readonly ChatTemplate _template = template ?? throw new ArgumentNullException(nameof(template));

    /// <summary>The target ids of an action: its recorded ids, or its text encoded plus the turn-end id.</summary>
    public int[] TargetIds(Gym.Core.AgentAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (action.TokenIds is { Count: > 0 } ids)
        {
            return [.. ids];
        }

        return [.. _template.Tokenizer.Encode(action.Text, parseSpecialTokens: false), _template.TurnEndId];
    }

    /// <summary>One sample per turn of <paramref name="record"/>.</summary>
    /// <exception cref="InvalidDataException">A turn lacks its recorded context segments.</exception>
    public IReadOnlyList<TrainingSample> Build(EpisodeRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var samples = new TrainingSample[record.Turns.Count];
        for (var t = 0; t < samples.Length; t++)
        {
            samples[t] = BuildTurn(record, t);
        }

        return samples;
    }

    /// <summary>The samples of every turn of every record, in order.</summary>
    public IReadOnlyList<TrainingSample> Build(IEnumerable<EpisodeRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return [.. records.SelectMany(Build)];
    }

    private TrainingSample BuildTurn(EpisodeRecord record, int t)
    {
        var turn = record.Turns[t];
        var context = TrainingSampleBuilder.RenderContext(_template, record, t);
        var target = TargetIds(turn.Action);
        var prompt = context.Length;
        var length = prompt + target.Length;
        var input = new int[length];
        var positions = new int[length];
        var mask = new float[length];
        var rewards = new float[length];
        context.CopyTo(input, 0);
        target.CopyTo(input, prompt);
        for (var j = 0; j < length; j++)
        {
            positions[j] = j;
            mask[j] = j < prompt ? 0 : 1;
        }

        // Same reward placement as the RL samples, so one batch type serves both losses.
        var actionRewards = CreditAssignment.TokenRewards([target.Length], [turn.Reward]);
        for (var j = 0; j < target.Length; j++)
        {
            rewards[prompt + j] = (float)actionRewards[j];
        }

        return new TrainingSample(record.Episode, record.EnvironmentId, record.Seed, t, input, prompt, positions, mask, new float[length], rewards, turn.Reward);
    }
}

/// <summary>
/// Rejection sampling for fine-tuning: keep only the episodes worth imitating, then train on them with
/// <see cref="SftSampleBuilder"/> and <see cref="SftStep"/>.
/// </summary>
public static class RejectionSampling
{
    /// <summary>
    /// The episodes that are <see cref="EpisodeStatus.Completed"/> and <see cref="EpisodeRecord.Success"/>,
    /// in order. A failed or cancelled episode is partial (its last turns are missing or broken) and an
    /// unsuccessful one shows behaviour not to imitate; both are dropped, whatever their reward.
    /// </summary>
    public static IEnumerable<EpisodeRecord> Filter(IEnumerable<EpisodeRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return records.Where(r => r is { Status: EpisodeStatus.Completed, Success: true });
    }

    /// <summary>The kept episodes of a rollout file (JSON lines, read lazily by <see cref="JsonlTrajectoryReader"/>).</summary>
    /// <exception cref="TrajectoryFormatException">A line is not a valid episode (thrown while enumerating).</exception>
    public static IEnumerable<EpisodeRecord> ReadFiltered(string path) => Filter(JsonlTrajectoryReader.Read(path));
}
