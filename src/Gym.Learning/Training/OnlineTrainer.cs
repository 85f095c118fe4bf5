using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Gym.Core.Context;
using Gym.Core.Trajectories;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using TorchSharp;

namespace Gym.Learning.Training;

/// <summary>Settings of <see cref="OnlineTrainer"/>.</summary>
/// <param name="GroupSize">G: attempts per task. GRPO and RLOO need at least 2 (a group of one has no baseline); PPO may use 1.</param>
/// <param name="TasksPerIteration">B: tasks per iteration; an iteration plays B·G episodes.</param>
/// <param name="Seed">The run seed: iteration i plays the tasks of <c>Derive(Seed, "train", i)</c>; evaluation those of <c>Derive(Seed, "eval")</c>, which training never sees.</param>
/// <param name="Memory">What the policy sees each turn (full history, MEM1, …); training rebuilds exactly that context.</param>
/// <param name="Loss">Algorithm, ε, β (and PPO's settings); β &gt; 0 keeps a frozen copy of the starting weights as the KL reference.</param>
/// <param name="Optimizer">AdamW settings.</param>
/// <param name="MicroBatchSize">Most sequences per forward pass in an update.</param>
/// <param name="UpdateEpochs">Optimizer steps per batch of rollouts (PPO's epochs); each reuses the rollout's log-probs, so ratios move away from 1 and clipping bounds the change.</param>
/// <param name="MaxStaleness">
/// How many versions behind the learner the weights that play a batch may be. 0 is strictly on-policy (play,
/// then learn, then play the new weights); s &gt; 0 lets batch k play with the weights after iteration k − s − 1
/// while the learner is still training, overlapping generation and learning.
/// </param>
public sealed record OnlineTrainerOptions(
    int GroupSize = 4,
    int TasksPerIteration = 8,
    long Seed = 0,
    MemorySpec Memory = default,
    PolicyLossOptions? Loss = null,
    OptimizerOptions? Optimizer = null,
    int MicroBatchSize = 8,
    int UpdateEpochs = 1,
    int MaxStaleness = 0)
{
    /// <summary>The loss settings in force.</summary>
    public PolicyLossOptions EffectiveLoss => Loss ?? new PolicyLossOptions();

    /// <summary>The optimizer settings in force.</summary>
    public OptimizerOptions EffectiveOptimizer => Optimizer ?? new OptimizerOptions();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting and its value.</summary>
    /// <returns>These options, for chaining.</returns>
    public OnlineTrainerOptions Validate()
    {
        var loss = EffectiveLoss.Validate();
        var minimumGroup = loss.Algorithm == PolicyAlgorithm.Ppo ? 1 : 2;
        if (GroupSize < minimumGroup)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"group size must be at least {minimumGroup} for {loss.Algorithm.ToString().ToLowerInvariant()} (its baseline is the other episodes of the group), got {GroupSize}"));
        }

        Check(TasksPerIteration >= 1, "tasks per iteration", TasksPerIteration, "at least 1");
        Check(MicroBatchSize >= 1, "micro-batch size", MicroBatchSize, "at least 1");
        Check(UpdateEpochs >= 1, "update epochs", UpdateEpochs, "at least 1");
        Check(MaxStaleness >= 0, "max staleness", MaxStaleness, "0 or more");
        Memory.Validate();
        EffectiveOptimizer.Validate();
        return this;

        static void Check(bool ok, string name, int value, string rule)
        {
            if (!ok)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name} must be {rule}, got {value}"));
            }
        }
    }

    /// <summary>The seed of iteration <paramref name="iteration"/>'s batch.</summary>
    public long TrainSeed(int iteration) => TrainingSeeds.Iteration(Seed, iteration);

    /// <summary>The seed of the held-out evaluation tasks.</summary>
    public long EvalSeed => TrainingSeeds.Evaluation(Seed);
}

/// <summary>What one iteration of <see cref="OnlineTrainer"/> did.</summary>
/// <param name="Iteration">Zero-based.</param>
/// <param name="Episodes">The B·G episodes played, in task and attempt order.</param>
/// <param name="PlayedVersion">The policy version that played them (also in each record's policy id).</param>
/// <param name="Staleness">Learner version minus <see cref="PlayedVersion"/> when the batch was learned from.</param>
/// <param name="GroupsUsed">Tasks whose episodes carried a learning signal (PPO: tasks with a completed episode).</param>
/// <param name="Update">The last optimizer step's figures, or null when no episode carried a signal (weights unchanged).</param>
/// <param name="PolicyVersion">The learner's version after the iteration.</param>
/// <param name="RolloutTime">Wall time of the batch's rollouts.</param>
/// <param name="GenerationTime">Of which the model spent generating.</param>
/// <param name="UpdateTime">Wall time of the update.</param>
public sealed record OnlineIteration(
    int Iteration,
    IReadOnlyList<EpisodeRecord> Episodes,
    int PlayedVersion,
    int Staleness,
    int GroupsUsed,
    PolicyUpdateResult? Update,
    int PolicyVersion,
    TimeSpan RolloutTime,
    TimeSpan GenerationTime,
    TimeSpan UpdateTime)
{
    /// <summary>Share of episodes that succeeded.</summary>
    public double SuccessRate => Episodes.Count == 0 ? 0 : Episodes.Count(e => e.Success) / (double)Episodes.Count;

    /// <summary>Mean total reward.</summary>
    public double MeanReward => Episodes.Count == 0 ? 0 : Episodes.Average(e => e.TotalReward);

    /// <summary>Rollout time outside generation: environment steps, tools, actors and bookkeeping.</summary>
    public TimeSpan EnvironmentTime => RolloutTime > GenerationTime ? RolloutTime - GenerationTime : TimeSpan.Zero;
}

/// <summary>
/// The online learning loop: a rollout policy plays batches of tasks through an <see cref="IRolloutCollector"/>
/// (the actor runtime's episode actors and policy gateway in the CLI), the learner turns the episodes into
/// per-turn samples with advantages (group-relative, leave-one-out, or PPO's turn-level GAE), takes
/// <see cref="OnlineTrainerOptions.UpdateEpochs"/> optimizer steps, and publishes the new weights with a
/// version number; each trajectory names the version that played it.
/// </summary>
/// <remarks>
/// The learner owns <c>model</c>; the acting <see cref="TorchPolicy"/> has its own copy of the weights, loaded
/// from <see cref="PolicyWeights"/> between batches, so generation never sees weights mid-update. Batch k
/// plays the weights after iteration <c>k − s − 1</c> (the starting weights for <c>k ≤ s</c>), for a
/// staleness bound s: the same seed gives the same trajectories however the two overlap.
/// </remarks>
public sealed class OnlineTrainer : IDisposable
{
    private readonly PolicyModel _model;
    private readonly TorchPolicy _actor;
    private readonly IRolloutCollector _collector;
    private readonly TrainingSampleBuilder _builder;
    private readonly PolicyOptimizer _optimizer;
    private readonly PolicyModel? _reference;
    private readonly IContextPolicy _memory;
    private readonly Dictionary<int, PolicyWeights> _published = [];
    private TaskCompletionSource _nextPublish = NewPublishSignal();
    private readonly Lock _publishGate = new();
    private int _version;

    /// <summary>Creates the loop.</summary>
    /// <param name="model">The model the learner trains (its weights are the starting policy).</param>
    /// <param name="actor">The acting policy: a <see cref="TorchPolicy"/> over a model of the same config (not <paramref name="model"/> itself).</param>
    /// <param name="collector">Plays the batches.</param>
    /// <param name="options">The settings.</param>
    public OnlineTrainer(PolicyModel model, TorchPolicy actor, IRolloutCollector collector, OnlineTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(collector);
        ArgumentNullException.ThrowIfNull(options);
        if (ReferenceEquals(actor.Model, model))
        {
            throw new ArgumentException("the acting policy needs its own copy of the model: the learner changes its weights while batches play", nameof(actor));
        }

        Options = options.Validate();
        if (Options.EffectiveLoss.Algorithm == PolicyAlgorithm.Ppo && !model.Config.ValueHead)
        {
            throw new ArgumentException("ppo needs a model with a value head (PolicyConfig.ValueHead = true); load the checkpoint with PolicyCheckpoint.Load(directory, device, valueHead: true)", nameof(model));
        }

        _model = model;
        _actor = actor;
        _memory = ContextPolicy.Create(Options.Memory);
        _collector = collector;
        _builder = new TrainingSampleBuilder(actor.Template);
        _optimizer = new PolicyOptimizer(model, Options.EffectiveOptimizer);
        _reference = Options.EffectiveLoss.KlBeta > 0 ? FrozenCopy(model) : null;
        _version = actor.Version;
        _published[0] = PolicyWeights.Capture(model, _version);
    }

    /// <summary>The settings.</summary>
    public OnlineTrainerOptions Options { get; }

    /// <summary>The learner's policy version: how many updates changed the weights (from the acting policy's starting version).</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>Iterations finished.</summary>
    public int Iterations { get; private set; }

    /// <summary>The model being trained.</summary>
    public PolicyModel Model => _model;

    /// <summary>
    /// Runs <paramref name="iterations"/> iterations. With a staleness bound above 0, the next batches play
    /// while the learner trains. <paramref name="afterIteration"/> runs on the learner after each iteration
    /// (the weights are then the iteration's result and no update is running): report, evaluate, checkpoint.
    /// </summary>
    public async Task RunAsync(int iterations, Func<OnlineIteration, CancellationToken, Task>? afterIteration = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        var first = Iterations;
        var batches = Channel.CreateBounded<(int Index, Task<Played> Played)>(new BoundedChannelOptions(Options.MaxStaleness + 1) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(() => ProduceAsync(first, iterations, batches.Writer, stop.Token), CancellationToken.None);
        try
        {
            for (var k = first; k < first + iterations; k++)
            {
                var (index, pending) = await batches.Reader.ReadAsync(stop.Token).ConfigureAwait(false);
                Debug.Assert(index == k, "batches arrive in order");
                var played = await pending.ConfigureAwait(false);
                var iteration = Learn(k, played);
                Iterations++;
                Publish(k + 1);
                if (afterIteration is not null)
                {
                    await afterIteration(iteration, stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The learner stopped first; its own exception (or cancellation) is the one to report.
            }
        }
    }

    /// <summary>Runs one iteration on-policy (as <see cref="RunAsync"/> with one iteration).</summary>
    public async Task<OnlineIteration> RunIterationAsync(CancellationToken cancellationToken = default)
    {
        OnlineIteration? result = null;
        await RunAsync(1, (iteration, _) =>
        {
            result = iteration;
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return result!;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        _reference?.Dispose();
        lock (_publishGate)
        {
            foreach (var weights in _published.Values)
            {
                weights.Dispose();
            }

            _published.Clear();
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"online({Options.EffectiveLoss.Algorithm}, G={Options.GroupSize}, B={Options.TasksPerIteration}, s={Options.MaxStaleness})");

    private async Task ProduceAsync(int first, int count, ChannelWriter<(int, Task<Played>)> writer, CancellationToken cancellationToken)
    {
        try
        {
            for (var k = first; k < first + count; k++)
            {
                // Batch k plays the weights published after iteration k − s − 1 (index k − s): wait for them.
                var index = Math.Max(0, k - Options.MaxStaleness);
                var weights = await WaitForAsync(index, cancellationToken).ConfigureAwait(false);
                _actor.Load(weights);
                var playing = PlayAsync(k, weights.Version, cancellationToken);
                await writer.WriteAsync((k, playing), cancellationToken).ConfigureAwait(false);

                // One batch plays at a time: the acting model is shared by every episode of it.
                await playing.ConfigureAwait(false);
            }

            writer.TryComplete();
        }
        catch (Exception exception)
        {
            writer.TryComplete(exception);
            throw;
        }
    }

    private async Task<Played> PlayAsync(int iteration, int version, CancellationToken cancellationToken)
    {
        var request = new RolloutRequest(Options.TrainSeed(iteration), Options.TasksPerIteration, Options.GroupSize, Options.Memory);
        var generationBefore = _actor.GenerationTime;
        var clock = Stopwatch.StartNew();
        var episodes = await _collector.CollectAsync(request, _actor, cancellationToken).ConfigureAwait(false);
        return new Played(episodes, version, clock.Elapsed, _actor.GenerationTime - generationBefore);
    }

    private async Task<PolicyWeights> WaitForAsync(int index, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task published;
            lock (_publishGate)
            {
                if (_published.TryGetValue(index, out var weights))
                {
                    // Older snapshots are never needed again: batches ask for ascending indices.
                    foreach (var stale in _published.Keys.Where(k => k < index).ToArray())
                    {
                        _published[stale].Dispose();
                        _published.Remove(stale);
                    }

                    return weights;
                }

                published = _nextPublish.Task;
            }

            await published.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Publish(int index)
    {
        var weights = PolicyWeights.Capture(_model, Version);
        TaskCompletionSource signal;
        lock (_publishGate)
        {
            _published[index] = weights;
            (signal, _nextPublish) = (_nextPublish, NewPublishSignal());
        }

        signal.SetResult();
    }

    // Completed by the next Publish, so that a batch waiting for its weights wakes when they appear.
    private static TaskCompletionSource NewPublishSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OnlineIteration Learn(int iteration, Played played)
    {
        var clock = Stopwatch.StartNew();
        var loss = Options.EffectiveLoss;
        var staleness = Version - played.Version;
        var (samples, groupsUsed) = Samples(played.Episodes, loss);
        PolicyUpdateResult? update = null;
        if (samples.Count > 0)
        {
            for (var epoch = 0; epoch < Options.UpdateEpochs; epoch++)
            {
                update = PolicyUpdate.Step(_model, _optimizer, samples, loss, _reference, Options.MicroBatchSize);
            }

            Interlocked.Increment(ref _version);
        }

        return new OnlineIteration(iteration, played.Episodes, played.Version, staleness, groupsUsed, update, Version, played.RolloutTime, played.GenerationTime, clock.Elapsed);
    }

    private (IReadOnlyList<TrainingSample> Samples, int GroupsUsed) Samples(IReadOnlyList<EpisodeRecord> episodes, PolicyLossOptions loss)
    {
        if (loss.Algorithm == PolicyAlgorithm.Ppo)
        {
            // Turn-level GAE from the value head: every completed episode carries a signal on its own.
            var completed = episodes.Where(e => e.Status == EpisodeStatus.Completed).ToList();
            var built = completed.SelectMany(e => _builder.Build(e)).ToList();
            var assigned = built.Count == 0 ? built : PpoSamples.Assign(_model, completed, built, loss.EffectivePpo, _actor.Template, _memory, Options.MicroBatchSize);
            return (assigned, completed.Select(e => e.Seed).Distinct().Count());
        }

        var advantages = EpisodeAdvantages.Compute(episodes, loss.Advantages);
        var groupsUsed = episodes
            .Select((episode, i) => (episode.Seed, Signal: advantages[i] is not null))
            .Where(e => e.Signal)
            .Select(e => e.Seed)
            .Distinct()
            .Count();
        return (_builder.Build(episodes, advantages), groupsUsed);
    }

    private static PolicyModel FrozenCopy(PolicyModel model)
    {
        // The reference is the policy as training starts: same shape, weights copied, no gradients.
        var copy = new PolicyModel(model.Config);
        copy.to(model.Device).to(model.DType);
        using var weights = PolicyWeights.Capture(model, 0);
        weights.CopyTo(copy);
        foreach (var parameter in copy.parameters())
        {
            parameter.requires_grad = false;
        }

        copy.eval();
        return copy;
    }

    private sealed record Played(IReadOnlyList<EpisodeRecord> Episodes, int Version, TimeSpan RolloutTime, TimeSpan GenerationTime);
}
