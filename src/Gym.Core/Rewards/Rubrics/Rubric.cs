using System.Collections.Immutable;
using System.Runtime.ExceptionServices;

namespace Gym.Core.Rewards.Rubrics;

/// <summary>
/// A list of weighted criteria scored together (OpenRubrics / RaR style): hard criteria gate, soft
/// criteria average by weight.
/// </summary>
/// <remarks>
/// The rubric owns the judges its criteria use (several <see cref="JudgeRule"/>s may share one) and
/// any rule that is itself disposable: <see cref="Dispose"/> disposes each of them once.
/// </remarks>
public sealed class Rubric : IDisposable
{
    /// <summary>The score a hard criterion needs for the gate to pass.</summary>
    public const double GateThreshold = 0.5;

    /// <summary>Creates a rubric.</summary>
    /// <param name="criteria">At least one criterion; names unique; weights finite and >= 0.</param>
    /// <exception cref="ArgumentException">The criteria break one of those conditions.</exception>
    public Rubric(IReadOnlyList<RubricCriterion> criteria)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        if (criteria.Count == 0)
        {
            throw new ArgumentException("a rubric needs at least one criterion", nameof(criteria));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var criterion in criteria)
        {
            if (criterion is null)
            {
                throw new ArgumentException("a rubric criterion is null", nameof(criteria));
            }

            if (string.IsNullOrWhiteSpace(criterion.Name))
            {
                throw new ArgumentException("a rubric criterion has no name", nameof(criteria));
            }

            if (!names.Add(criterion.Name))
            {
                throw new ArgumentException($"rubric criterion '{criterion.Name}' appears twice", nameof(criteria));
            }

            if (criterion.Rule is null)
            {
                throw new ArgumentException($"rubric criterion '{criterion.Name}' has no rule", nameof(criteria));
            }

            if (!double.IsFinite(criterion.Weight) || criterion.Weight < 0)
            {
                throw new ArgumentException($"rubric criterion '{criterion.Name}' has weight {criterion.Weight}; weights must be finite and >= 0", nameof(criteria));
            }
        }

        Criteria = [.. criteria];
    }

    /// <summary>The criteria, in order.</summary>
    public ImmutableArray<RubricCriterion> Criteria { get; }

    /// <summary>Disposes the distinct judges of the criteria's judge rules, and the rules that are disposable; later calls do nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var owned = new HashSet<IDisposable>(ReferenceEqualityComparer.Instance);
        foreach (var criterion in Criteria)
        {
            if (criterion.Rule is JudgeRule { Judge: IDisposable judge })
            {
                owned.Add(judge);
            }

            if (criterion.Rule is IDisposable disposable)
            {
                owned.Add(disposable);
            }
        }

        foreach (var resource in owned)
        {
            resource.Dispose();
        }
    }

    private int _disposed;

    /// <summary>
    /// Score = 0 if any hard criterion scores below 0.5; otherwise the weight-normalized mean of the
    /// soft criteria's scores (1 when every criterion is hard, or every soft weight is 0). Evaluates
    /// every criterion (for reporting), judge criteria concurrently. If a criterion throws, the
    /// others still running are cancelled and its exception is rethrown.
    /// </summary>
    /// <exception cref="InvalidOperationException">A rule returned a score outside [0,1].</exception>
    public async Task<RubricResult> ScoreAsync(RubricInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Rules start here and run side by side: synchronous rules complete at once, judge rules
        // overlap their HTTP requests.
        var scoring = new Task<double>[Criteria.Length];
        for (var i = 0; i < scoring.Length; i++)
        {
            scoring[i] = ScoreOneAsync(Criteria[i], input, failFast);
        }

        try
        {
            await Task.WhenAll(scoring).ConfigureAwait(false);
        }
        catch
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Rethrow the criterion's own failure, not a sibling's cancellation it triggered.
            var cause = scoring.FirstOrDefault(t => t.IsFaulted && t.Exception!.InnerException is not OperationCanceledException)
                ?? scoring.First(t => t.IsFaulted || t.IsCanceled);
            if (cause.Exception?.InnerException is { } inner)
            {
                ExceptionDispatchInfo.Capture(inner).Throw();
            }

            throw;
        }

        var scores = new (string Name, double Score)[scoring.Length];
        var gateFailed = false;
        double weighted = 0, totalWeight = 0;
        for (var i = 0; i < scoring.Length; i++)
        {
            var criterion = Criteria[i];
            var score = scoring[i].Result;
            scores[i] = (criterion.Name, score);
            if (criterion.Hard)
            {
                gateFailed |= score < GateThreshold;
            }
            else
            {
                weighted += criterion.Weight * score;
                totalWeight += criterion.Weight;
            }
        }

        var total = gateFailed ? 0 : totalWeight > 0 ? Math.Clamp(weighted / totalWeight, 0, 1) : 1;
        return new RubricResult(total, scores, gateFailed);
    }

    private static async Task<double> ScoreOneAsync(RubricCriterion criterion, RubricInput input, CancellationTokenSource failFast)
    {
        try
        {
            var score = await criterion.Rule.ScoreAsync(input, failFast.Token).ConfigureAwait(false);
            return double.IsFinite(score) && score is >= 0 and <= 1
                ? score
                : throw new InvalidOperationException($"rubric criterion '{criterion.Name}' scored {score}, outside [0,1]");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await failFast.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }
}
