using static TorchSharp.torch;

namespace Gym.Learning.Model;

/// <summary>Batched sampling with a KV cache.</summary>
public sealed partial class PolicyModel
{
    /// <summary>
    /// Continues each prompt until it samples a stop token or reaches its budget. Prompts are left-padded
    /// into one batch; padding is masked out and positions count real tokens only, so each sequence sees
    /// exactly what it would alone (positions 0..n-1 for its prompt, then n, n+1, …, causal attention
    /// over its own tokens). Runs under <c>no_grad</c> in <c>eval()</c> mode (restored afterwards), so one
    /// call at a time per model: it is not safe to call from several threads at once.
    /// </summary>
    /// <param name="prompts">Token ids of each prompt; none empty.</param>
    /// <param name="options">Budget, temperature, top-p, stop tokens and seed.</param>
    /// <returns>One result per prompt, in order.</returns>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<int[]> prompts, SamplingOptions options) =>
        Generate(prompts, options, sequenceSeeds: null);

    /// <summary>
    /// As <see cref="Generate(IReadOnlyList{int[]}, SamplingOptions)"/>, with one sampling seed per prompt
    /// instead of <see cref="SamplingOptions.Seed"/>: each sequence draws from its own generator, so what it
    /// samples depends on its prompt and seed, not on the other prompts of the batch or their order. A
    /// policy serving requests batched in whatever way they arrived uses this to stay deterministic per
    /// request. (Float rounding may still differ between batch shapes; that can flip a draw only when it
    /// falls within rounding of a boundary between two tokens.)
    /// </summary>
    /// <param name="prompts">Token ids of each prompt; none empty.</param>
    /// <param name="options">Budget, temperature, top-p and stop tokens; its seed is ignored when <paramref name="sequenceSeeds"/> is given.</param>
    /// <param name="sequenceSeeds">One seed per prompt, or null to use <see cref="SamplingOptions.Seed"/> for the whole batch.</param>
    /// <returns>One result per prompt, in order.</returns>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<int[]> prompts, SamplingOptions options, IReadOnlyList<ulong>? sequenceSeeds)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ValidatePrompts(prompts);
        if (sequenceSeeds is not null && sequenceSeeds.Count != prompts.Count)
        {
            throw new ArgumentException($"{sequenceSeeds.Count} sequence seeds for {prompts.Count} prompts; give one per prompt", nameof(sequenceSeeds));
        }

        var batch = prompts.Count;
        var longest = prompts.Max(p => p.Length);

        // Each sequence may grow to the model's context limit, no further.
        var budgets = prompts.Select(p => Math.Min(options.MaxNewTokens, Config.MaxPositions - p.Length)).ToArray();
        var steps = budgets.Max();
        var stops = (options.StopTokenIds ?? []).ToHashSet();
        var tokens = prompts.Select(_ => new List<int>()).ToArray();
        var logProbs = prompts.Select(_ => new List<float>()).ToArray();
        var finished = new FinishReason?[batch];

        var wasTraining = training;
        var rowStreams = sequenceSeeds?.ToArray();
        eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var device = Device;
            using var cache = CreateCache(batch, longest + steps);
            using var generator = new Generator(options.Seed, device);

            // Padding mask over the whole run; a column turns true as its position is fed.
            var mask = zeros([batch, longest + steps], ScalarType.Bool, device);
            var padded = new long[batch * longest];
            for (var i = 0; i < batch; i++)
            {
                var offset = longest - prompts[i].Length;
                for (var j = 0; j < prompts[i].Length; j++)
                {
                    padded[(i * longest) + offset + j] = prompts[i][j];
                }

                mask[i].narrow(0, offset, prompts[i].Length).fill_(true);
            }

            // The fed ids outlive each step's scope: they belong to this scope and are disposed once replaced.
            var input = tensor(padded, [batch, longest], ScalarType.Int64).to(device);
            var fed = (long)longest;
            for (var step = 0; step < steps; step++)
            {
                using var stepScope = NewDisposeScope();
                var hidden = ForwardHidden(input, positionIds: null, mask.narrow(1, 0, fed), cache);
                var logits = Logits(hidden.select(1, -1));
                var (sampled, sampledLogProbs) = TokenSampler.Sample(logits, options.Temperature, options.TopP, generator, rowStreams);
                var ids = sampled.cpu().data<long>().ToArray();
                var lps = sampledLogProbs.cpu().data<float>().ToArray();
                for (var i = 0; i < batch; i++)
                {
                    if (finished[i] is not null)
                    {
                        continue;
                    }

                    tokens[i].Add((int)ids[i]);
                    logProbs[i].Add(lps[i]);
                    if (stops.Contains((int)ids[i]))
                    {
                        finished[i] = FinishReason.Stop;
                    }
                    else if (tokens[i].Count >= budgets[i])
                    {
                        finished[i] = FinishReason.Length;
                    }
                }

                if (finished.All(f => f is not null))
                {
                    break;
                }

                // Finished sequences keep being fed (the batch moves together); their outputs are ignored.
                input.Dispose();
                input = sampled.unsqueeze(1).MoveToOuterDisposeScope();
                mask.narrow(1, fed, 1).fill_(true);
                fed++;
            }
        }
        finally
        {
            train(wasTraining);
        }

        return [.. Enumerable.Range(0, batch).Select(i => new GeneratedSequence(tokens[i], logProbs[i], finished[i] ?? FinishReason.Length))];
    }

    private void ValidatePrompts(IReadOnlyList<int[]> prompts)
    {
        if (prompts.Count == 0)
        {
            throw new ArgumentException("no prompts to generate from", nameof(prompts));
        }

        for (var i = 0; i < prompts.Count; i++)
        {
            var prompt = prompts[i] ?? throw new ArgumentException($"prompt {i} is null", nameof(prompts));
            if (prompt.Length == 0)
            {
                throw new ArgumentException($"prompt {i} is empty", nameof(prompts));
            }

            if (prompt.Length >= Config.MaxPositions)
            {
                throw new ArgumentException($"prompt {i} has {prompt.Length} tokens; the model's context holds {Config.MaxPositions}, so nothing can be generated", nameof(prompts));
            }

            foreach (var id in prompt)
            {
                if (id < 0 || id >= Config.VocabSize)
                {
                    throw new ArgumentException($"prompt {i} has the token id {id}, outside the vocabulary [0, {Config.VocabSize})", nameof(prompts));
                }
            }
        }
    }
}
