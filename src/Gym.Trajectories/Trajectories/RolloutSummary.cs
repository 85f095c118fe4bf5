using System.Collections.Immutable;
using System.Text.Json;
using Gym.Core.Episodes;
using Gym.Core.Rewards;

namespace Gym.Core.Trajectories;

/// <summary>
/// Distribution of one reward component's per-episode total (the sum of its <see cref="RewardTerm.Value"/>
/// over the episode's turns). Percentiles are nearest-rank (see <see cref="RolloutSummaryBuilder"/>).
/// </summary>
/// <param name="Name">The component name.</param>
/// <param name="Kind">Process or outcome, as first seen.</param>
/// <param name="Mean">The mean per-episode total.</param>
/// <param name="P50">The nearest-rank median.</param>
/// <param name="P90">The nearest-rank 90th percentile.</param>
/// <param name="Min">The smallest per-episode total.</param>
/// <param name="Max">The largest per-episode total.</param>
public sealed record ComponentStats(string Name, RewardKind Kind, double Mean, double P50, double P90, double Min, double Max);

/// <summary>Distribution of the episode total reward. Percentiles are nearest-rank.</summary>
/// <param name="Mean">The mean.</param>
/// <param name="P50">The nearest-rank median.</param>
/// <param name="P90">The nearest-rank 90th percentile.</param>
/// <param name="Min">The smallest value.</param>
/// <param name="Max">The largest value.</param>
public sealed record RewardStats(double Mean, double P50, double P90, double Min, double Max)
{
    /// <summary>The stats of no values: all zero.</summary>
    public static RewardStats Empty { get; } = new(0, 0, 0, 0, 0);
}

/// <summary>
/// Distribution over episodes of one per-episode context-token figure (an episode's peak, or its
/// mean over turns). Percentiles are nearest-rank.
/// </summary>
/// <param name="Mean">The mean.</param>
/// <param name="P50">The nearest-rank median.</param>
/// <param name="P90">The nearest-rank 90th percentile.</param>
/// <param name="Max">The largest value.</param>
public sealed record ContextTokenStats(double Mean, double P50, double P90, double Max)
{
    /// <summary>The stats of no values: all zero.</summary>
    public static ContextTokenStats Empty { get; } = new(0, 0, 0, 0);
}

/// <summary>One distinct error message of failed episodes and how many episodes failed with it.</summary>
/// <param name="Message">The error text.</param>
/// <param name="Count">How many failed episodes carry it.</param>
public sealed record FailureCount(string Message, int Count);

/// <summary>What a rollout produced, in numbers: the summary printed at the end of a run.</summary>
/// <remarks>
/// Populations differ on purpose: <see cref="SuccessRate"/> is over completed episodes (a failed or
/// cancelled episode never had the chance to succeed); <see cref="MeanReward"/>, <see cref="Reward"/>
/// and <see cref="Components"/> are over played episodes, those with at least one turn, whatever their
/// status (an episode that failed at reset has no reward to speak of and would only drag the
/// numbers toward 0); <see cref="MeanTurns"/> is over all episodes. Context tokens are over played
/// episodes too (an episode without turns never showed the policy anything). Because reward and components
/// share a population, <see cref="MeanReward"/> equals the sum of the component means (up to rounding).
/// Means of an empty population are 0.
/// </remarks>
/// <param name="Episodes">Every episode seen.</param>
/// <param name="Completed">Episodes with status completed.</param>
/// <param name="Failed">Episodes with status failed.</param>
/// <param name="Cancelled">Episodes with status cancelled.</param>
/// <param name="SuccessRate">Successful episodes over completed episodes; 0 when none completed.</param>
/// <param name="MeanReward">Mean total reward over played episodes.</param>
/// <param name="MeanTurns">Mean number of turns over all episodes.</param>
/// <param name="TotalSteps">The number of turns played in all.</param>
/// <param name="Reward">Distribution of the total reward over played episodes.</param>
/// <param name="Components">Per reward component, in first-seen order: by the lowest episode that has it, then its position there.</param>
/// <param name="StopReasons">Episodes by stop reason (snake_case, as in rollout files), sorted by name.</param>
/// <param name="FailureMessages">The five most common error messages of failed episodes, most common first.</param>
/// <param name="PeakContextTokens">Distribution over played episodes of each episode's <see cref="EpisodeRecord.PeakContextTokens"/>.</param>
/// <param name="MeanContextTokens">Distribution over played episodes of each episode's <see cref="EpisodeRecord.MeanContextTokens"/>.</param>
public sealed record RolloutSummary(
    int Episodes,
    int Completed,
    int Failed,
    int Cancelled,
    double SuccessRate,
    double MeanReward,
    double MeanTurns,
    long TotalSteps,
    RewardStats Reward,
    IReadOnlyList<ComponentStats> Components,
    IReadOnlyDictionary<string, int> StopReasons,
    IReadOnlyList<FailureCount> FailureMessages,
    ContextTokenStats PeakContextTokens,
    ContextTokenStats MeanContextTokens)
{
    /// <summary>pass@k and pass^k over groups of same-seed episodes; null when no seed was played more than once.</summary>
    public GroupPassStats? Groups { get; init; }

    /// <summary>What the group normalizers would make of same-seed groups' total rewards; null when no seed was played more than once.</summary>
    public GroupAdvantageStats? Advantages { get; init; }

    /// <summary>
    /// Reward-hacking diagnostics over completed episodes with turns (their own population: see
    /// <see cref="RewardDiagnostics"/>); <see cref="RewardDiagnostics.Empty"/> when there are none.
    /// </summary>
    public RewardDiagnostics Diagnostics { get; init; } = RewardDiagnostics.Empty;

    /// <summary>
    /// Success, exact match and token F1 over distinct questions, overall and per <c>data_source</c>/<c>type</c>/<c>level</c>;
    /// null when no episode's reset info names its question.
    /// </summary>
    public QuestionStats? Questions { get; init; }

    /// <summary>Summarizes a finished set of episodes.</summary>
    public static RolloutSummary Of(IEnumerable<EpisodeRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var builder = new RolloutSummaryBuilder();
        foreach (var record in records)
        {
            builder.Add(record);
        }

        return builder.Build();
    }
}

/// <summary>
/// Accumulates a <see cref="RolloutSummary"/> one episode at a time, e.g. as episodes stream to a sink.
/// Not thread-safe: feed it from one place (the sink's writer or a single consumer).
/// </summary>
/// <remarks>
/// <para>
/// Percentiles are nearest-rank: the p-th percentile of n sorted values is the value at one-based rank
/// ⌈p·n/100⌉, so it is always one of the values (p50 of [1, 2, 3, 4] is 2; p90 of 1..10 is 9).
/// </para>
/// <para>
/// A played episode (at least one turn) that lacks a component counts 0 for it: the component could
/// have fired and did not, e.g. an outcome reward on an episode cut short. An episode with no turns
/// counts for no component, since nothing was ever scored. Percentiles need every value, so memory
/// grows by one number per played episode and component.
/// </para>
/// <para>
/// <see cref="RolloutSummary.Diagnostics"/> keeps, per completed episode with turns, five numbers plus a
/// raw and a value total per component (about 80 bytes per episode with three components).
/// </para>
/// </remarks>
public sealed class RolloutSummaryBuilder
{
    private const int TopFailures = 5;

    private readonly List<double> _rewards = [];
    private readonly Dictionary<long, (int Episodes, int Successes)> _seedGroups = [];
    private readonly Dictionary<long, List<double>> _groupRewards = [];
    private readonly List<double> _peakContextTokens = [];
    private readonly List<double> _meanContextTokens = [];
    private readonly Dictionary<string, ComponentValues> _componentsByName = new(StringComparer.Ordinal);
    private readonly Dictionary<StopReason, int> _stopReasons = [];
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly RewardDiagnosticsAccumulator _diagnostics = new();
    private readonly QuestionStatsBuilder _questions = new();
    private int _episodes;
    private int _completed;
    private int _failed;
    private int _cancelled;
    private int _successes;
    private long _turns;

    /// <summary>Episodes added so far.</summary>
    public int Count => _episodes;

    /// <summary>Adds one episode.</summary>
    public void Add(EpisodeRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _episodes++;
        _turns += record.Turns.Count;
        _stopReasons[record.StopReason] = _stopReasons.GetValueOrDefault(record.StopReason) + 1;
        if (record.Status != EpisodeStatus.Cancelled)
        {
            var group = _seedGroups.GetValueOrDefault(record.Seed);
            _seedGroups[record.Seed] = (group.Episodes + 1, group.Successes + (record.Success ? 1 : 0));
        }

        if (record.Status == EpisodeStatus.Completed)
        {
            if (!_groupRewards.TryGetValue(record.Seed, out var rewards))
            {
                _groupRewards[record.Seed] = rewards = [];
            }

            rewards.Add(record.TotalReward);
        }

        switch (record.Status)
        {
            case EpisodeStatus.Completed:
                _completed++;
                if (record.Success)
                {
                    _successes++;
                }

                break;
            case EpisodeStatus.Failed:
                _failed++;
                var message = string.IsNullOrWhiteSpace(record.Error) ? "(no error message)" : record.Error;
                _failures[message] = _failures.GetValueOrDefault(message) + 1;
                break;
            case EpisodeStatus.Cancelled:
                _cancelled++;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(record), record.Status, "unknown episode status");
        }

        _diagnostics.Add(record);
        _questions.Add(record);

        if (record.Turns.Count == 0)
        {
            return;
        }

        _rewards.Add(record.TotalReward);
        _peakContextTokens.Add(record.PeakContextTokens);
        _meanContextTokens.Add(record.MeanContextTokens);
        var position = 0;
        foreach (var (name, total) in record.ComponentTotals())
        {
            if (!_componentsByName.TryGetValue(name, out var component))
            {
                component = new ComponentValues(name);
                _componentsByName.Add(name, component);
            }

            component.Observe(record, position++, total);
        }
    }

    /// <summary>The summary of the episodes added so far; more may be added afterwards.</summary>
    public RolloutSummary Build()
    {
        var played = _rewards.Count;
        var components = _componentsByName.Values
            .OrderBy(c => c.FirstEpisode)
            .ThenBy(c => c.FirstPosition)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c =>
            {
                // Played episodes without the component count 0 (see remarks); the zeros go in here
                // rather than at Add time because a component may first appear late in the run.
                var values = new List<double>(played);
                values.AddRange(c.Values);
                values.AddRange(Enumerable.Repeat(0.0, played - c.Values.Count));
                var stats = Stats(values);
                return new ComponentStats(c.Name, c.Kind, stats.Mean, stats.P50, stats.P90, stats.Min, stats.Max);
            })
            .ToImmutableArray();
        var stopReasons = _stopReasons.ToImmutableSortedDictionary(
            pair => JsonNamingPolicy.SnakeCaseLower.ConvertName(pair.Key.ToString()),
            pair => pair.Value,
            StringComparer.Ordinal);
        var failures = _failures
            .OrderByDescending(pair => pair.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Take(TopFailures)
            .Select(pair => new FailureCount(pair.Key, pair.Value))
            .ToImmutableArray();
        var reward = Stats(_rewards);
        var summary = new RolloutSummary(
            _episodes,
            _completed,
            _failed,
            _cancelled,
            _completed == 0 ? 0 : (double)_successes / _completed,
            reward.Mean,
            _episodes == 0 ? 0 : (double)_turns / _episodes,
            _turns,
            reward,
            components,
            stopReasons,
            failures,
            TokenStats(_peakContextTokens),
            TokenStats(_meanContextTokens));
        return summary with
        {
            Groups = GroupPassStats.From(_seedGroups.Values),
            Advantages = GroupAdvantageStats.From(_groupRewards.Values),
            Diagnostics = _diagnostics.Build(),
            Questions = _questions.Build(),
        };
    }

    /// <summary>
    /// The nearest-rank percentile of values sorted ascending: the value at one-based rank ⌈p·n/100⌉
    /// (rank 1 for p = 0). Computed in integers so that p90 of ten values is exactly rank 9.
    /// </summary>
    internal static double NearestRank(IReadOnlyList<double> sortedAscending, int percentile)
    {
        ArgumentNullException.ThrowIfNull(sortedAscending);
        ArgumentOutOfRangeException.ThrowIfNegative(percentile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        if (sortedAscending.Count == 0)
        {
            throw new ArgumentException("no values", nameof(sortedAscending));
        }

        var rank = (((long)percentile * sortedAscending.Count) + 99) / 100;
        return sortedAscending[(int)Math.Max(rank, 1) - 1];
    }

    private static RewardStats Stats(List<double> values)
    {
        if (values.Count == 0)
        {
            return RewardStats.Empty;
        }

        var sorted = values.Order().ToArray();
        var sum = 0.0;
        // Summed in ascending order, not arrival order, so the mean does not depend on which episode finished first.
        foreach (var value in sorted)
        {
            sum += value;
        }

        return new RewardStats(sum / sorted.Length, NearestRank(sorted, 50), NearestRank(sorted, 90), sorted[0], sorted[^1]);
    }

    private static ContextTokenStats TokenStats(List<double> values)
    {
        var stats = Stats(values);
        return new ContextTokenStats(stats.Mean, stats.P50, stats.P90, stats.Max);
    }

    private static RewardKind KindOf(EpisodeRecord record, string name) =>
        record.Turns.SelectMany(t => t.Breakdown.Terms).First(t => t.Name == name).Kind;

    private sealed class ComponentValues(string name)
    {
        public string Name { get; } = name;

        public RewardKind Kind { get; private set; }

        public long FirstEpisode { get; private set; } = long.MaxValue;

        public int FirstPosition { get; private set; }

        public List<double> Values { get; } = [];

        // "First seen" means in the lowest episode, not the first to arrive: episodes finish in any
        // order under concurrency, and the summary must not depend on it.
        public void Observe(EpisodeRecord record, int position, double total)
        {
            Values.Add(total);
            if (record.Episode < FirstEpisode)
            {
                FirstEpisode = record.Episode;
                FirstPosition = position;
                Kind = KindOf(record, Name);
            }
        }
    }
}

/// <summary>
/// Success over groups of k episodes that share a seed (<c>gym run --group-size k</c>): pass@k is
/// the share of groups with at least one success, pass^k the share where all k succeeded, so
/// pass^k ≤ pass@1 ≤ pass@k. Groups of another size (a run cut short) are left out.
/// </summary>
/// <param name="K">Episodes per group.</param>
/// <param name="Groups">Complete groups counted.</param>
/// <param name="PassAt1">Mean success over the counted groups' episodes.</param>
/// <param name="PassAtK">Share of groups with at least one success.</param>
/// <param name="PassHatK">Share of groups where every episode succeeded.</param>
public sealed record GroupPassStats(int K, int Groups, double PassAt1, double PassAtK, double PassHatK)
{
    /// <summary>Computes the stats from (episodes, successes) per seed; null when no seed repeats.</summary>
    public static GroupPassStats? From(IEnumerable<(int Episodes, int Successes)> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var all = groups.ToList();
        if (all.Count == 0)
        {
            return null;
        }

        // The planned group size is the most common one; ties go to the larger size.
        var k = all.GroupBy(g => g.Episodes).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Key).First().Key;
        if (k < 2)
        {
            return null;
        }

        var complete = all.Where(g => g.Episodes == k).ToList();
        return new GroupPassStats(
            k,
            complete.Count,
            complete.Sum(g => g.Successes) / (double)(complete.Count * k),
            complete.Count(g => g.Successes > 0) / (double)complete.Count,
            complete.Count(g => g.Successes == k) / (double)complete.Count);
    }
}

/// <summary>
/// What the learner's group normalizers would make of a run's same-seed groups (completed episodes,
/// total reward): how many groups carry no signal (all rewards equal, dropped by GRPO) and the mean
/// absolute advantage under GRPO and RLOO. Groups of another size than the most common (a run cut
/// short) are left out.
/// </summary>
/// <param name="K">The group size.</param>
/// <param name="Groups">Complete groups counted.</param>
/// <param name="ZeroVarianceGroups">Groups whose rewards are all equal.</param>
/// <param name="MeanAbsGrpo">Mean |A| of group-relative advantages, (R − mean)/(std + ε), over episodes of the groups with signal.</param>
/// <param name="MeanAbsRloo">Mean |A| of leave-one-out advantages, R − mean of the others, over the same episodes.</param>
/// <param name="MeanGroupStd">Mean within-group standard deviation of the reward, over all counted groups.</param>
public sealed record GroupAdvantageStats(int K, int Groups, int ZeroVarianceGroups, double MeanAbsGrpo, double MeanAbsRloo, double MeanGroupStd)
{
    /// <summary>The share of groups that carry no learning signal.</summary>
    public double ZeroVarianceShare => Groups == 0 ? 0 : ZeroVarianceGroups / (double)Groups;

    /// <summary>Computes the stats from each seed's rewards; null when no seed repeats.</summary>
    public static GroupAdvantageStats? From(IEnumerable<IReadOnlyList<double>> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var all = groups.Where(g => g.Count > 0).ToList();
        if (all.Count == 0)
        {
            return null;
        }

        var k = all.GroupBy(g => g.Count).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Key).First().Key;
        if (k < 2)
        {
            return null;
        }

        var complete = all.Where(g => g.Count == k).ToList();
        var zero = 0;
        double grpo = 0, rloo = 0, std = 0;
        var counted = 0;
        foreach (var group in complete)
        {
            var relative = Rewards.Normalization.GroupNormalizers.GroupRelative(group);
            var mean = group.Average();
            std += Math.Sqrt(group.Sum(r => (r - mean) * (r - mean)) / group.Count);
            if (relative.ZeroVariance)
            {
                zero++;
                continue;
            }

            grpo += relative.Advantages.Sum(Math.Abs);
            rloo += Rewards.Normalization.GroupNormalizers.LeaveOneOut(group).Advantages.Sum(Math.Abs);
            counted += group.Count;
        }

        return new GroupAdvantageStats(k, complete.Count, zero, counted == 0 ? 0 : grpo / counted, counted == 0 ? 0 : rloo / counted, std / complete.Count);
    }
}
