using System.Globalization;
using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Trajectories;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using TorchSharp;
using static TorchSharp.torch;

namespace Gym.Learning.Training;

/// <summary>Settings of <see cref="GrpoTrainer"/>.</summary>
/// <param name="GroupSize">G: episodes per seed (attempts 0..G−1), at least 2.</param>
/// <param name="SeedsPerIteration">B: seeds per iteration; iteration i plays seeds FirstSeed + i·B … + B − 1.</param>
/// <param name="FirstSeed">The first seed.</param>
/// <param name="Memory">What the policy sees each turn (full history, MEM1, …).</param>
/// <param name="Loss">Algorithm, ε and β; β &gt; 0 makes the trainer keep a frozen copy of the starting weights.</param>
/// <param name="Optimizer">AdamW settings.</param>
/// <param name="MicroBatchSize">Most sequences per forward pass in the update.</param>
public sealed record GrpoOptions(
    int GroupSize = 4,
    int SeedsPerIteration = 2,
    long FirstSeed = 0,
    MemorySpec Memory = default,
    PolicyLossOptions? Loss = null,
    OptimizerOptions? Optimizer = null,
    int MicroBatchSize = 8)
{
    /// <summary>The loss settings in force.</summary>
    public PolicyLossOptions EffectiveLoss => Loss ?? new PolicyLossOptions();

    /// <summary>The optimizer settings in force.</summary>
    public OptimizerOptions EffectiveOptimizer => Optimizer ?? new OptimizerOptions();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    /// <returns>These options, for chaining.</returns>
    public GrpoOptions Validate()
    {
        if (GroupSize < 2)
        {
            throw new ArgumentException($"{nameof(GroupSize)} must be at least 2 (a group of one has no baseline), got {GroupSize}");
        }

        if (SeedsPerIteration < 1)
        {
            throw new ArgumentException($"{nameof(SeedsPerIteration)} must be at least 1, got {SeedsPerIteration}");
        }

        if (MicroBatchSize < 1)
        {
            throw new ArgumentException($"{nameof(MicroBatchSize)} must be at least 1, got {MicroBatchSize}");
        }

        Memory.Validate();
        EffectiveLoss.Validate();
        EffectiveOptimizer.Validate();
        return this;
    }
}

/// <summary>One iteration of <see cref="GrpoTrainer"/>.</summary>
/// <param name="Iteration">The zero-based iteration.</param>
/// <param name="Episodes">The G·B episodes played, seed by seed, attempt by attempt.</param>
/// <param name="GroupsUsed">Groups with a learning signal.</param>
/// <param name="GroupsDropped">Groups left out: all rewards equal (or no completed episode).</param>
/// <param name="MeanReward">The mean total reward of the episodes.</param>
/// <param name="Update">The optimizer step, or null when every group was dropped (the weights did not change).</param>
/// <param name="PolicyVersion">The policy's version after the iteration.</param>
public sealed record GrpoIteration(
    int Iteration,
    IReadOnlyList<EpisodeRecord> Episodes,
    int GroupsUsed,
    int GroupsDropped,
    double MeanReward,
    PolicyUpdateResult? Update,
    int PolicyVersion);

/// <summary>
/// The on-policy loop: each iteration plays G episodes on each of B seeds with a <see cref="TorchPolicy"/>
/// through <see cref="EpisodeRunner"/>, turns them into per-turn samples with group advantages, takes one
/// optimizer step, and advances the policy's version. Episodes are played one at a time (batching many
/// episodes into one generation is the runtime's policy gateway's job).
/// </summary>
public sealed class GrpoTrainer : IDisposable
{
    private readonly IEnvironment _environment;
    private readonly TorchPolicy _policy;
    private readonly IContextPolicy _context;
    private readonly ChatTemplateTokenCounter _counter;
    private readonly TrainingSampleBuilder _builder;
    private readonly PolicyOptimizer _optimizer;
    private readonly PolicyModel? _reference;
    private long _episodes;

    /// <summary>Creates the trainer; the policy's model is the one trained.</summary>
    public GrpoTrainer(IEnvironment environment, TorchPolicy policy, GrpoOptions options)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        _environment = environment;
        _policy = policy;
        _context = ContextPolicy.Create(options.Memory);
        _counter = new ChatTemplateTokenCounter(policy.Template);
        _builder = new TrainingSampleBuilder(policy.Template);
        _optimizer = new PolicyOptimizer(policy.Model, options.EffectiveOptimizer);
        _reference = options.EffectiveLoss.KlBeta > 0 ? FrozenCopy(policy.Model) : null;
    }

    /// <summary>The settings.</summary>
    public GrpoOptions Options { get; }

    /// <summary>Iterations run so far.</summary>
    public int Iterations { get; private set; }

    /// <summary>Plays one batch of groups and updates the policy on it.</summary>
    public async Task<GrpoIteration> RunIterationAsync(CancellationToken cancellationToken = default)
    {
        var iteration = Iterations;
        var episodes = new List<EpisodeRecord>(Options.GroupSize * Options.SeedsPerIteration);
        for (var b = 0; b < Options.SeedsPerIteration; b++)
        {
            var seed = Options.FirstSeed + ((long)iteration * Options.SeedsPerIteration) + b;
            for (var attempt = 0; attempt < Options.GroupSize; attempt++)
            {
                // Distinct attempts make the G episodes of a seed sample distinct streams.
                var actor = new AttemptPolicy(_policy, attempt);
                episodes.Add(await EpisodeRunner.RunAsync(_environment, actor, _episodes++, seed, _context, _counter, cancellationToken).ConfigureAwait(false));
            }
        }

        var loss = Options.EffectiveLoss;
        var advantages = EpisodeAdvantages.Compute(episodes, loss.Advantages);
        var groupsUsed = 0;
        for (var g = 0; g < Options.SeedsPerIteration; g++)
        {
            if (advantages.Skip(g * Options.GroupSize).Take(Options.GroupSize).Any(a => a is not null))
            {
                groupsUsed++;
            }
        }

        var samples = _builder.Build(episodes, advantages);
        PolicyUpdateResult? update = null;
        if (samples.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            update = PolicyUpdate.Step(_policy.Model, _optimizer, samples, loss, _reference, Options.MicroBatchSize);
            _policy.AdvanceVersion();
        }

        Iterations++;
        return new GrpoIteration(
            iteration,
            episodes,
            groupsUsed,
            Options.SeedsPerIteration - groupsUsed,
            episodes.Average(e => e.TotalReward),
            update,
            _policy.Version);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        _reference?.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"grpo({_policy.Id}, G={Options.GroupSize}, B={Options.SeedsPerIteration})");

    private static PolicyModel FrozenCopy(PolicyModel model)
    {
        // The reference is the policy as training starts: same shape, weights copied, no gradients.
        var copy = new PolicyModel(model.Config);
        copy.to(model.Device).to(model.DType);
        using var noGrad = no_grad();
        var source = model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        foreach (var (name, parameter) in copy.named_parameters())
        {
            parameter.copy_(source[name]);
            parameter.requires_grad = false;
        }

        copy.eval();
        return copy;
    }
}
