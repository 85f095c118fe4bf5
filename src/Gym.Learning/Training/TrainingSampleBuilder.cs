using System.Globalization;
using Gym.Core.Rewards.Credit;
using Gym.Core.Trajectories;
using Gym.Learning.Policy;

namespace Gym.Learning.Training;

/// <summary>
/// Turns recorded episodes into <see cref="TrainingSample"/>s, one per turn: the context the policy saw,
/// rebuilt from the record's segments (<see cref="ContextRebuilder"/>) and rendered with the same
/// <see cref="ChatTemplate"/> the policy used, followed by the recorded action ids, never a re-encoding of
/// the action's text (token-in/token-out). The rendered context is what generation read, so a forward over
/// the sample gives the log-probs recorded at rollout.
/// </summary>
/// <param name="template">The chat template the acting <see cref="TorchPolicy"/> used.</param>
public sealed class TrainingSampleBuilder(ChatTemplate template)
{
    private readonly ChatTemplate _template = template ?? throw new ArgumentNullException(nameof(template));

    /// <summary>One sample per turn of <paramref name="record"/>, each with <paramref name="advantage"/>.</summary>
    /// <exception cref="InvalidDataException">
    /// A turn lacks its context segments, its action ids, or log-probs aligned with them (the record did
    /// not come from a token-level policy such as <see cref="TorchPolicy"/>).
    /// </exception>
    public IReadOnlyList<TrainingSample> Build(EpisodeRecord record, double advantage = 0)
    {
        ArgumentNullException.ThrowIfNull(record);
        var samples = new TrainingSample[record.Turns.Count];
        for (var t = 0; t < samples.Length; t++)
        {
            samples[t] = BuildTurn(record, t) with { Advantage = advantage };
        }

        return samples;
    }

    /// <summary>
    /// The samples of every episode whose advantage is not null (null marks an episode to leave out, such
    /// as one of a zero-variance group), each turn carrying its episode's advantage.
    /// </summary>
    public IReadOnlyList<TrainingSample> Build(IReadOnlyList<EpisodeRecord> records, IReadOnlyList<double?> advantages)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(advantages);
        if (records.Count != advantages.Count)
        {
            throw new ArgumentException($"{advantages.Count} advantages for {records.Count} episodes", nameof(advantages));
        }

        var samples = new List<TrainingSample>();
        for (var i = 0; i < records.Count; i++)
        {
            if (advantages[i] is { } advantage)
            {
                samples.AddRange(Build(records[i], advantage));
            }
        }

        return samples;
    }

    private TrainingSample BuildTurn(EpisodeRecord record, int t)
    {
        var turn = record.Turns[t];
        var action = turn.Action;
        if (action.TokenIds is not { Count: > 0 } ids)
        {
            throw Invalid(record, t, "has no action token ids; train only on episodes from a policy that records them (TorchPolicy)");
        }

        if (action.LogProbs is not { } logProbs || logProbs.Count != ids.Count)
        {
            throw Invalid(record, t, $"has {action.LogProbs?.Count ?? 0} log-probs for {ids.Count} action tokens");
        }

        var context = RenderContext(_template, record, t);
        var prompt = context.Length;
        var length = prompt + ids.Count;
        var input = new int[length];
        var positions = new int[length];
        var mask = new float[length];
        var old = new float[length];
        var rewards = new float[length];
        context.CopyTo(input, 0);
        for (var j = 0; j < length; j++)
        {
            positions[j] = j;
        }

        var actionRewards = CreditAssignment.TokenRewards([ids.Count], [turn.Reward]);
        for (var j = 0; j < ids.Count; j++)
        {
            input[prompt + j] = ids[j];
            mask[prompt + j] = 1;
            old[prompt + j] = logProbs[j];
            rewards[prompt + j] = (float)actionRewards[j];
        }

        return new TrainingSample(record.Episode, record.EnvironmentId, record.Seed, t, input, prompt, positions, mask, old, rewards, turn.Reward);
    }

    /// <summary>
    /// The ids the policy read before writing turn <paramref name="t"/>: the context rebuilt from the
    /// record's segments and rendered with <paramref name="template"/>, ending with the generation prompt.
    /// Shared with <see cref="SftSampleBuilder"/> so both trainers see exactly the context of rollout.
    /// </summary>
    internal static int[] RenderContext(ChatTemplate template, EpisodeRecord record, int t)
    {
        // An empty segment list means the context was not recorded (every context holds the prompt).
        if (record.Turns[t].Context.Count == 0)
        {
            throw Invalid(record, t, "has no recorded context segments, so the context it was chosen from cannot be rebuilt");
        }

        return template.Render(ContextRebuilder.Rebuild(record, t));
    }

    internal static InvalidDataException Invalid(EpisodeRecord record, int turn, string problem) => new(string.Create(
        CultureInfo.InvariantCulture,
        $"episode {record.Episode} (seed {record.Seed}) turn {turn} {problem}"));
}
