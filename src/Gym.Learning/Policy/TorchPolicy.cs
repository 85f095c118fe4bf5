using System.Globalization;
using Gym.Core;
using Gym.Core.Policies;
using Gym.Learning.Model;
using Gym.Learning.Tokenization;

namespace Gym.Learning.Policy;

/// <summary>
/// An <see cref="IPolicy"/> backed by a <see cref="PolicyModel"/>: renders each request's context with the
/// <see cref="ChatTemplate"/>, samples every request's turn in one batched <see cref="PolicyModel.Generate(IReadOnlyList{int[]}, SamplingOptions, IReadOnlyList{ulong}?)"/>
/// call, and returns the text with the exact sampled ids and their log-probabilities, so a trainer scores
/// what was sampled (token-in/token-out).
/// </summary>
/// <remarks>
/// <para>
/// Deterministic per request: each request samples with its own seed, derived from
/// <see cref="SamplingOptions.Seed"/> (the run's base seed) and the request's seed, attempt and turn
/// (<see cref="SamplingSeed"/>), so how requests are grouped into batches, and in which order, does not
/// change what any of them gets (up to float rounding between batch shapes; see
/// <see cref="PolicyModel.Generate(IReadOnlyList{int[]}, SamplingOptions, IReadOnlyList{ulong}?)"/>).
/// </para>
/// <para>
/// A context longer than the model's context window fails the call with an
/// <see cref="InvalidOperationException"/> rather than being cut: cutting its start would drop the system
/// prompt and the task, and the trainer would then have to reproduce the same cut. Keep contexts short
/// with a memory mode (<c>mem1</c>, <c>window:K</c>), fewer turns, or a model with more positions.
/// </para>
/// <para>
/// Calls are serialized (the model generates one batch at a time) and run synchronously on the caller's
/// thread. The trainer changes the weights between rollouts, never during one, and then calls
/// <see cref="AdvanceVersion"/> so trajectories name the weights that produced them.
/// </para>
/// </remarks>
public sealed class TorchPolicy : IPolicy
{
    private readonly Lock _gate = new();
    private readonly SamplingOptions _generation;
    private int _version;
    private long _generationTicks;

    /// <summary>Creates a policy over <paramref name="model"/>.</summary>
    /// <param name="model">The model; its vocabulary must cover the tokenizer's.</param>
    /// <param name="tokenizer">The tokenizer; it must have the chat template's markers.</param>
    /// <param name="sampling">Budget per turn, temperature, top-p, extra stop tokens and the base seed.</param>
    /// <param name="name">The model's name in <see cref="Id"/>, e.g. <c>tiny</c>.</param>
    /// <param name="version">The starting policy version.</param>
    /// <param name="format">The chat template's format (default: Gym's ChatML).</param>
    public TorchPolicy(PolicyModel model, IPolicyTokenizer tokenizer, SamplingOptions sampling, string name = "model", int version = 0, ChatFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        sampling.Validate();
        if (tokenizer.VocabSize > model.Config.VocabSize)
        {
            throw new ArgumentException($"the tokenizer has {tokenizer.VocabSize} ids but the model's vocabulary only {model.Config.VocabSize}", nameof(tokenizer));
        }

        Model = model;
        Template = new ChatTemplate(tokenizer, format);
        Sampling = sampling;
        Name = name;
        _version = version;

        // The turn ends at the template's end-of-turn marker (or EOS), plus whatever the caller added.
        _generation = sampling with { StopTokenIds = [.. Template.StopTokenIds.Union(sampling.StopTokenIds ?? [])] };
    }

    /// <summary>The model that generates.</summary>
    public PolicyModel Model { get; }

    /// <summary>The template that renders contexts.</summary>
    public ChatTemplate Template { get; }

    /// <summary>The sampling options as given (the template's stop tokens are added on top).</summary>
    public SamplingOptions Sampling { get; }

    /// <summary>The model's name in <see cref="Id"/>.</summary>
    public string Name { get; }

    /// <summary>How many times the weights have been updated since the starting version.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary><c>torch:{name}@v{version}</c>, e.g. <c>torch:tiny@v0</c>.</summary>
    public string Id => string.Create(CultureInfo.InvariantCulture, $"torch:{Name}@v{Version}");

    /// <summary>Records that the weights changed; returns the new version.</summary>
    public int AdvanceVersion() => Interlocked.Increment(ref _version);

    /// <summary>Wall time spent generating so far (rendering and decoding excluded): the model's share of a rollout.</summary>
    public TimeSpan GenerationTime => TimeSpan.FromTicks(Interlocked.Read(ref _generationTicks));

    /// <summary>
    /// Replaces the model's weights with <paramref name="weights"/> and takes their version, after any
    /// generation in flight has finished: a batch is sampled by one version from start to end.
    /// </summary>
    public void Load(PolicyWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        lock (_gate)
        {
            weights.CopyTo(Model);
            Volatile.Write(ref _version, weights.Version);
        }
    }

    /// <summary>
    /// The sampling seed of one request: a SplitMix64 mix of the base seed and the request's seed, attempt
    /// and turn, so every turn of every attempt at every task draws an independent stream.
    /// </summary>
    public static ulong SamplingSeed(ulong baseSeed, long seed, int attempt, int turn)
    {
        var state = Mix(baseSeed ^ 0x9E3779B97F4A7C15UL);
        state = Mix(state ^ unchecked((ulong)seed));
        state = Mix(state ^ unchecked((ulong)(uint)attempt));
        return Mix(state ^ unchecked((ulong)(uint)turn));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        cancellationToken.ThrowIfCancellationRequested();
        if (requests.Count == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<AgentAction>>([]);
        }

        var prompts = new int[requests.Count][];
        var seeds = new ulong[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            prompts[i] = Template.Render(request.Context);
            if (prompts[i].Length >= Model.Config.MaxPositions)
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"episode {request.EpisodeId} (seed {request.Seed}, attempt {request.Attempt}) turn {request.Turn}: the context is {prompts[i].Length} tokens but the model holds {Model.Config.MaxPositions} positions, leaving none to generate; use a memory mode that bounds the context (mem1, window:K), fewer turns, or a model with more positions"));
            }

            seeds[i] = SamplingSeed(Sampling.Seed, request.Seed, request.Attempt, request.Turn);
        }

        IReadOnlyList<GeneratedSequence> generated;
        lock (_gate)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            generated = Model.Generate(prompts, _generation, seeds);
            Interlocked.Add(ref _generationTicks, System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks);
        }

        var actions = new AgentAction[generated.Count];
        for (var i = 0; i < generated.Count; i++)
        {
            var sequence = generated[i];
            actions[i] = new AgentAction(Template.DecodeTurn(sequence.TokenIds), [.. sequence.TokenIds], [.. sequence.LogProbs]);
        }

        return ValueTask.FromResult<IReadOnlyList<AgentAction>>(actions);
    }

    /// <inheritdoc />
    public override string ToString() => Id;

    private static ulong Mix(ulong z)
    {
        // SplitMix64's finalizer (Steele, Lea and Flood 2014): every input bit affects every output bit.
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
