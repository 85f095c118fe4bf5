using System.Globalization;
using Gym.Core.Context;
using Gym.Core.Rewards.Credit;
using Gym.Core.Trajectories;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using static TorchSharp.torch;

namespace Gym.Learning.Training;

/// <summary>
/// PPO's advantages and value targets for per-turn <see cref="TrainingSample"/>s: the old values from the
/// value head, turn-level GAE per episode (<see cref="CreditAssignment.TurnGae"/>), and batch whitening.
/// </summary>
/// <remarks>
/// Turns are PPO's time steps. The state of turn t is the context the policy read before acting; V(s_t) is
/// the value head's output at the last context token of turn t's sample (index
/// <see cref="TrainingSample.PromptLength"/> − 1), where the model has read that context and nothing of the
/// action. Each turn is its own sequence (<see cref="TrainingSampleBuilder"/>), so this holds under every
/// memory mode.
/// </remarks>
public static class PpoSamples
{
    // Added to the variance before whitening: equal advantages whiten to 0, not to NaN.
    private const double WhitenEpsilon = 1e-8;

    /// <summary>
    /// Sets <see cref="TrainingSample.Advantage"/>, <see cref="TrainingSample.OldValue"/> and
    /// <see cref="TrainingSample.ValueTarget"/> on the samples of the completed episodes. The model is not
    /// changed: its values come from no-grad, eval-mode forwards of the contexts alone, in micro-batches of
    /// similar lengths, each in its own dispose scope.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Per episode with turn rewards r_t (<see cref="TrainingSample.Reward"/>) and V_t = V(s_t):
    /// <c>δ_t = r_t + γ·V_{t+1} − V_t</c>, <c>A_t = δ_t + γλ·A_{t+1}</c>, and the value target
    /// <c>R_t = A_t + V_t</c> (the λ-return). After the last turn T − 1, V_T is 0 when the episode terminated,
    /// and when it was truncated (and did not terminate) the value of the context the policy would have read
    /// next: the record's prompt and turns, shown by <paramref name="memory"/> and rendered by
    /// <paramref name="template"/>, exactly as the rollout would have built it. Should that context not fit the
    /// model (<see cref="PolicyConfig.MaxPositions"/> tokens or more), the policy could not have acted on it
    /// and V_T is 0.
    /// </para>
    /// <para>
    /// With <see cref="PpoOptions.WhitenAdvantages"/> the advantages are then whitened over all returned
    /// samples, weighted by their action tokens as the token-mean loss weighs them:
    /// <c>(A − μ) / sqrt(σ² + 1e-8)</c>. Per batch, not per turn index: normalizing per turn index is biased
    /// when the policy decides when to stop (SPEC.md, "Credit assignment"). The value targets use the raw A.
    /// </para>
    /// </remarks>
    /// <param name="model">The policy being trained; it must have a value head.</param>
    /// <param name="episodes">The episodes the samples come from. Those that did not complete (failed, cancelled) are left out, with their samples.</param>
    /// <param name="samples">
    /// The samples, <see cref="TrainingSampleBuilder.Build(EpisodeRecord, double)"/> of each episode: a completed
    /// episode with any samples needs one for each of its turns. Matched to their episode by environment,
    /// episode index and seed.
    /// </param>
    /// <param name="options">γ, λ and whether to whiten.</param>
    /// <param name="template">The chat template the acting policy used (for the truncated episodes' next context).</param>
    /// <param name="memory">The context policy the episodes were played with (ditto); checked against each truncated episode's last recorded context.</param>
    /// <param name="microBatchSize">Most contexts per value forward.</param>
    /// <returns>The samples of the completed episodes, in input order, with their PPO fields set.</returns>
    /// <exception cref="InvalidOperationException">The model has no value head.</exception>
    /// <exception cref="ArgumentException">
    /// A sample belongs to none of the episodes, two samples are the same turn, a completed episode lacks some
    /// turns' samples, or <paramref name="memory"/> and <paramref name="template"/> do not rebuild a truncated
    /// episode's last context.
    /// </exception>
    public static IReadOnlyList<TrainingSample> Assign(
        PolicyModel model,
        IReadOnlyList<EpisodeRecord> episodes,
        IReadOnlyList<TrainingSample> samples,
        PpoOptions options,
        ChatTemplate template,
        IContextPolicy memory,
        int microBatchSize = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(episodes);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatchSize, 1);
        options.Validate();
        RequireValueHead(model);

        var turns = MatchTurns(episodes, samples);

        // One value query per used sample (its context), then one per truncated episode (its next context).
        var contexts = new List<IReadOnlyList<int>>();
        var sampleQuery = new int[samples.Count];
        var bootstrapQuery = new int[episodes.Count];
        Array.Fill(sampleQuery, -1);
        Array.Fill(bootstrapQuery, -1);
        for (var k = 0; k < samples.Count; k++)
        {
            var sample = samples[k];
            if (turns[Key(sample)] is not { Used: true })
            {
                continue;
            }

            if (sample.PromptLength < 1 || sample.PromptLength > sample.Length)
            {
                throw new ArgumentException(Describe(sample, $"has a context of {sample.PromptLength} tokens in a sequence of {sample.Length}: the state needs at least one context token"), nameof(samples));
            }

            sampleQuery[k] = contexts.Count;
            contexts.Add([.. sample.InputIds.Take(sample.PromptLength)]);
        }

        for (var e = 0; e < episodes.Count; e++)
        {
            var record = episodes[e];
            if (turns[Key(record)] is { Used: true } used && Bootstraps(record))
            {
                var next = NextContext(record, samples[used.Samples[^1]], template, memory);
                if (next.Length < model.Config.MaxPositions)
                {
                    bootstrapQuery[e] = contexts.Count;
                    contexts.Add(next);
                }
            }
        }

        var values = Values(model, contexts, microBatchSize);

        // GAE per episode, raw advantages and targets by sample.
        var advantages = new double[samples.Count];
        var oldValues = new double[samples.Count];
        var targets = new double[samples.Count];
        for (var e = 0; e < episodes.Count; e++)
        {
            var record = episodes[e];
            if (turns[Key(record)] is not { Used: true } used)
            {
                continue;
            }

            var indices = used.Samples;
            var rewards = indices.Select(k => samples[k].Reward).ToArray();
            var stateValues = indices.Select(k => values[sampleQuery[k]]).ToArray();
            var bootstrap = bootstrapQuery[e] >= 0 ? values[bootstrapQuery[e]] : 0;
            var gae = CreditAssignment.TurnGae(rewards, stateValues, options.Gamma, options.Lambda, terminated: !Bootstraps(record), bootstrap);
            for (var t = 0; t < indices.Length; t++)
            {
                advantages[indices[t]] = gae.Advantages[t];
                oldValues[indices[t]] = stateValues[t];
                targets[indices[t]] = gae.Returns[t];
            }
        }

        var kept = Enumerable.Range(0, samples.Count).Where(k => sampleQuery[k] >= 0).ToArray();
        var policyAdvantages = options.WhitenAdvantages ? Whiten(kept, advantages, samples) : advantages;
        return [.. kept.Select(k => samples[k] with { Advantage = policyAdvantages[k], OldValue = oldValues[k], ValueTarget = targets[k] })];
    }

    /// <summary>Throws <see cref="InvalidOperationException"/>, saying how to get one, when <paramref name="model"/> has no value head.</summary>
    internal static void RequireValueHead(PolicyModel model)
    {
        if (!model.Config.ValueHead)
        {
            throw new InvalidOperationException(
                "PPO needs a value head, but the model has none (PolicyConfig.ValueHead is false): create the model with ValueHead = true, "
                + "or load a checkpoint saved without one into a value-head model with PolicyCheckpoint.Load(directory, device, valueHead: true) "
                + "or PolicyCheckpoint.LoadInto(model, directory, adaptValueHead: true)");
        }
    }

    // A completed episode that truncated without terminating continues past its last turn: bootstrap from V.
    private static bool Bootstraps(EpisodeRecord record) => record.Truncated && !record.Terminated;

    private static (string EnvironmentId, long Episode, long Seed) Key(TrainingSample sample) => (sample.EnvironmentId, sample.Episode, sample.Seed);

    private static (string EnvironmentId, long Episode, long Seed) Key(EpisodeRecord record) => (record.EnvironmentId, record.Episode, record.Seed);

    /// <summary>Each episode's samples by turn; <c>Used</c> when it completed and has samples.</summary>
    private static Dictionary<(string EnvironmentId, long Episode, long Seed), EpisodeTurns> MatchTurns(IReadOnlyList<EpisodeRecord> episodes, IReadOnlyList<TrainingSample> samples)
    {
        var turns = new Dictionary<(string EnvironmentId, long Episode, long Seed), EpisodeTurns>();
        for (var e = 0; e < episodes.Count; e++)
        {
            var record = episodes[e] ?? throw new ArgumentException($"episode {e} is null", nameof(episodes));
            if (!turns.TryAdd(Key(record), new EpisodeTurns(record)))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"episode {record.Episode} of {record.EnvironmentId} (seed {record.Seed}) is listed twice"), nameof(episodes));
            }
        }

        for (var k = 0; k < samples.Count; k++)
        {
            var sample = samples[k] ?? throw new ArgumentException($"sample {k} is null", nameof(samples));
            if (!turns.TryGetValue(Key(sample), out var episode))
            {
                throw new ArgumentException(Describe(sample, "belongs to none of the episodes"), nameof(samples));
            }

            if (episode.Record.Status != EpisodeStatus.Completed)
            {
                continue;
            }

            if (sample.Turn < 0 || sample.Turn >= episode.Samples.Length)
            {
                throw new ArgumentException(Describe(sample, string.Create(CultureInfo.InvariantCulture, $"names a turn the episode does not have ({episode.Samples.Length} turns)")), nameof(samples));
            }

            if (episode.Samples[sample.Turn] >= 0)
            {
                throw new ArgumentException(Describe(sample, "is given twice"), nameof(samples));
            }

            episode.Samples[sample.Turn] = k;
        }

        foreach (var episode in turns.Values.Where(t => t.Record.Status == EpisodeStatus.Completed))
        {
            var present = episode.Samples.Count(k => k >= 0);
            if (present > 0 && present < episode.Samples.Length)
            {
                var record = episode.Record;
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"episode {record.Episode} of {record.EnvironmentId} (seed {record.Seed}) has samples for {present} of its {episode.Samples.Length} turns: GAE needs every turn (TrainingSampleBuilder.Build(record))"),
                    nameof(samples));
            }

            episode.Used = present > 0;
        }

        return turns;
    }

    /// <summary>
    /// The ids the policy would have read on the turn after the last: <paramref name="memory"/> over the
    /// record's prompt and turns, rendered by <paramref name="template"/>, as the rollout builds a context.
    /// The same rebuild of the last turn's context must give that turn's recorded segments and sample ids.
    /// </summary>
    private static int[] NextContext(EpisodeRecord record, TrainingSample lastSample, ChatTemplate template, IContextPolicy memory)
    {
        var played = record.Turns.Select(t => new ContextTurn(t.Action, t.Observation)).ToArray();
        var last = played.Length - 1;
        var replay = memory.Build(record.Prompt, played[..last]);
        if (!replay.Segments.SequenceEqual(record.Turns[last].Context))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"episode {record.Episode} of {record.EnvironmentId} (seed {record.Seed}) was not played with memory '{memory.Spec}': it does not rebuild the context of turn {last}; pass the context policy the episodes were played with"),
                nameof(memory));
        }

        if (!template.Render(replay.Messages).SequenceEqual(lastSample.InputIds.Take(lastSample.PromptLength)))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"episode {record.Episode} of {record.EnvironmentId} (seed {record.Seed}): the template renders turn {last}'s context differently from its sample; pass the chat template the samples were built with"),
                nameof(template));
        }

        return template.Render(memory.Build(record.Prompt, played).Messages);
    }

    /// <summary>V at the last token of each context, in no-grad eval-mode forwards of up to <paramref name="microBatchSize"/> contexts of similar lengths.</summary>
    private static double[] Values(PolicyModel model, List<IReadOnlyList<int>> contexts, int microBatchSize)
    {
        var values = new double[contexts.Count];
        var order = Enumerable.Range(0, contexts.Count).OrderBy(i => contexts[i].Count).ToArray();
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            foreach (var chunk in order.Chunk(microBatchSize))
            {
                using var scope = NewDisposeScope();
                var batch = chunk.Length;
                var length = chunk.Max(i => contexts[i].Count);
                var ids = new long[batch * length];
                var positions = new long[batch * length];
                var mask = new bool[batch * length];
                var last = new long[batch];
                for (var b = 0; b < batch; b++)
                {
                    var context = contexts[chunk[b]];
                    for (var j = 0; j < length; j++)
                    {
                        // Right padding, masked out; positions continue over it, as in TrainingBatch.
                        positions[(b * length) + j] = j;
                        if (j < context.Count)
                        {
                            ids[(b * length) + j] = context[j];
                            mask[(b * length) + j] = true;
                        }
                    }

                    last[b] = context.Count - 1;
                }

                long[] shape = [batch, length];
                var device = model.Device;
                var result = model.ValuesAt(tensor(ids, shape).to(device), tensor(positions, shape).to(device), tensor(mask, shape).to(device), tensor(last).to(device));
                var data = result.cpu().data<float>().ToArray();
                for (var b = 0; b < batch; b++)
                {
                    values[chunk[b]] = data[b];
                }
            }
        }
        finally
        {
            model.train(wasTraining);
        }

        return values;
    }

    /// <summary>(A − μ) / sqrt(σ² + ε) over the <paramref name="kept"/> samples, each weighted by its action tokens.</summary>
    private static double[] Whiten(int[] kept, double[] advantages, IReadOnlyList<TrainingSample> samples)
    {
        double tokens = kept.Sum(k => (double)samples[k].ActionLength);
        if (!(tokens > 0))
        {
            return advantages;
        }

        var mean = kept.Sum(k => samples[k].ActionLength * advantages[k]) / tokens;
        var variance = kept.Sum(k => samples[k].ActionLength * (advantages[k] - mean) * (advantages[k] - mean)) / tokens;
        var scale = 1 / Math.Sqrt(variance + WhitenEpsilon);
        var whitened = new double[advantages.Length];
        foreach (var k in kept)
        {
            whitened[k] = (advantages[k] - mean) * scale;
        }

        return whitened;
    }

    private static string Describe(TrainingSample sample, string problem) =>
        string.Create(CultureInfo.InvariantCulture, $"the sample of episode {sample.Episode} of {sample.EnvironmentId} (seed {sample.Seed}) turn {sample.Turn} {problem}");

    /// <summary>An episode and the index in the sample list of each of its turns' samples (−1: none).</summary>
    private sealed class EpisodeTurns
    {
        public EpisodeTurns(EpisodeRecord record)
        {
            Record = record;
            Samples = new int[record.Turns.Count];
            Array.Fill(Samples, -1);
        }

        public EpisodeRecord Record { get; }

        public int[] Samples { get; }

        public bool Used { get; set; }
    }
}
