using System.Globalization;
using Gym.Core.Rewards;

namespace Gym.Core.Trajectories;

/// <summary>A figure over the first and the second half of a run's episodes, in episode-index order.</summary>
/// <param name="FirstHalf">The figure over the first half (the lower ⌊n/2⌋ episode indexes).</param>
/// <param name="SecondHalf">The figure over the rest.</param>
public sealed record HalfTrend(double FirstHalf, double SecondHalf)
{
    /// <summary>Second half minus first half.</summary>
    public double Change => SecondHalf - FirstHalf;
}

/// <summary>
/// How one reward component relates to success over the diagnosed episodes (see <see cref="RewardDiagnostics"/>).
/// An episode without the component counts 0 for it, as in <see cref="ComponentStats"/>.
/// </summary>
/// <param name="Name">The component name.</param>
/// <param name="Kind">Process or outcome, as first seen (lowest episode index).</param>
/// <param name="Weight">The weight of the component's first term in the lowest-indexed episode that has it; components normally keep one weight.</param>
/// <param name="WeightShare">|<paramref name="Weight"/>| over the sum of |weight| of all diagnosed components; null when every weight is 0.</param>
/// <param name="MeanRaw">The mean per-episode total of the component's raw (unweighted) values.</param>
/// <param name="MeanValue">The mean per-episode total of its values (raw × weight): the reward it pays.</param>
/// <param name="ValueRange">The largest minus the smallest per-episode total of its values.</param>
/// <param name="PaidShare">
/// The component's share of the reward actually paid: the mean of |per-episode value total| over the sum of
/// that mean across all diagnosed components (a penalty counts by its size); null when nothing was paid.
/// Unlike <paramref name="WeightShare"/>, a heavily weighted term that rarely fires gets a small share.
/// </param>
/// <param name="RawSuccessCorrelation">Pearson correlation of the per-episode raw total with success (1/0); null when either is constant.</param>
/// <param name="SuccessCorrelation">
/// Pearson correlation of the per-episode value total (the reward paid) with success (1/0); null when either is
/// constant, e.g. for a weight-0 component. Differs in sign from <paramref name="RawSuccessCorrelation"/> for a penalty (negative weight).
/// </param>
/// <param name="Trend">Mean per-episode value total over the first and second half of the run; null below <see cref="RewardDiagnostics.TrendMinEpisodes"/> episodes.</param>
public sealed record ComponentDiagnostics(
    string Name,
    RewardKind Kind,
    double Weight,
    double? WeightShare,
    double MeanRaw,
    double MeanValue,
    double ValueRange,
    double? PaidShare,
    double? RawSuccessCorrelation,
    double? SuccessCorrelation,
    HalfTrend? Trend);

/// <summary>
/// Reward-hacking diagnostics of a rollout: whether the reward components, and the reward as a whole,
/// move with success or only with something the policy can game (its own length, well-formed but
/// useless turns). docs/rewards.md (Reward-hacking diagnostics) explains the figures and the warnings.
/// </summary>
/// <remarks>
/// <para>
/// The population is completed episodes with at least one turn, in episode-index order. Cancelled
/// episodes are partial by the run's stop. Failed episodes are left out too: success is only defined
/// for completed ones (as in <see cref="RolloutSummary.SuccessRate"/>), and a crash is not a policy
/// that games the reward: counting crashed episodes as unsuccessful would make every environment bug
/// look like "process reward without outcome". Below, "failed" in a warning means unsuccessful.
/// </para>
/// <para>
/// Correlations are Pearson's r over episodes, null ("n/a") with fewer than two episodes or when
/// either side is constant (up to rounding): success has zero variance when every episode succeeded,
/// or none did. Response length is the characters of the episode's action texts; r is invariant to
/// scale, so characters stand in for tokens (tokens per character vary little within a run).
/// </para>
/// </remarks>
/// <param name="Episodes">The diagnosed episodes: completed, with at least one turn.</param>
/// <param name="SuccessRate">Successful over diagnosed episodes; 0 when there are none.</param>
/// <param name="Components">Per reward component, by the lowest episode that has it, then its position there.</param>
/// <param name="UnsuccessfulProcessShare">
/// The positive process reward (sum of positive process term values) earned in unsuccessful episodes over that earned in all;
/// null when no positive process reward was paid.
/// </param>
/// <param name="LengthRewardCorrelation">Pearson correlation of response length with the episode's total reward.</param>
/// <param name="LengthSuccessCorrelation">Pearson correlation of response length with success (1/0).</param>
/// <param name="FormatValidRate">Turns whose action parsed (no format error) over all turns; null without turns.</param>
/// <param name="SuccessTrend">Success rate over the first and second half of the run; null below <see cref="TrendMinEpisodes"/> episodes.</param>
/// <param name="Warnings">One line per component (or the length, or the process reward as a whole) that looks gamed, with its numbers.</param>
public sealed record RewardDiagnostics(
    int Episodes,
    double SuccessRate,
    IReadOnlyList<ComponentDiagnostics> Components,
    double? UnsuccessfulProcessShare,
    double? LengthRewardCorrelation,
    double? LengthSuccessCorrelation,
    double? FormatValidRate,
    HalfTrend? SuccessTrend,
    IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// A process component paying reward that correlates with success at or below this looks gamed.
    /// |r| = 0.2 is a weak but real link; a rewarded behavior that reliably goes with failing is the classic hack
    /// (e.g. a "tool_call" bonus the policy farms instead of solving the task), while noise around 0 should not warn.
    /// </summary>
    public const double GamedCorrelation = -0.2;

    /// <summary>
    /// The fewest episodes for the half-vs-half trend: with 20 per half a success rate has a standard error
    /// near 11 points, so smaller runs would warn on noise alone.
    /// </summary>
    public const int TrendMinEpisodes = 40;

    /// <summary>
    /// A process component "rises" when its mean per-episode value grows by more than this share of its range
    /// (largest minus smallest per-episode value): relative to the range, so the threshold means the same for any scale of reward.
    /// </summary>
    public const double TrendRiseShareOfRange = 0.10;

    /// <summary>Success "falls" when the second half's success rate is more than this many points (as a fraction) below the first's: 5 points is past rounding and small drifts.</summary>
    public const double TrendSuccessFall = 0.05;

    /// <summary>
    /// Length "drives" reward at or above this correlation: r = 0.5 means length alone explains a quarter of the
    /// reward's variance, too much for a reward meant to pay for solving the task.
    /// </summary>
    public const double LengthRewardCorrelationFloor = 0.5;

    /// <summary>…while success barely grows with length: at or below this correlation, or undefined (every episode had the same outcome).</summary>
    public const double LengthSuccessCorrelationCeiling = 0.1;

    /// <summary>
    /// "Most" process reward goes to unsuccessful episodes at or above this share; only checked when the success rate is
    /// below <see cref="LowSuccessRate"/>, i.e. when the process reward is what the policy is mostly earning.
    /// </summary>
    public const double UnsuccessfulProcessShareFloor = 0.5;

    /// <summary>The success rate below which <see cref="UnsuccessfulProcessShareFloor"/> is checked.</summary>
    public const double LowSuccessRate = 0.5;

    /// <summary>
    /// A correlation warning (gamed component, length) also needs |t| = |r|·√(n−2)/√(1−r²) at least this large,
    /// about 95% two-sided: over 50 episodes the standard error of r is near 0.14, so r = −0.2 alone is
    /// well within noise, and the summary of a 20-episode smoke run should not cry wolf.
    /// </summary>
    public const double SignificanceT = 1.96;

    /// <summary>The diagnostics of no episodes: nothing to correlate, no warnings.</summary>
    public static RewardDiagnostics Empty { get; } = new(0, 0, [], null, null, null, null, null, []);

    /// <summary>
    /// Pearson's r of two equally long series; null with fewer than two points or when either series is
    /// constant up to rounding. Two-pass (centered sums), clamped to [−1, 1].
    /// </summary>
    internal static double? Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("series differ in length", nameof(y));
        }

        if (x.Length < 2 || IsConstant(x) || IsConstant(y))
        {
            return null;
        }

        var meanX = Mean(x);
        var meanY = Mean(y);
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            var dx = x[i] - meanX;
            var dy = y[i] - meanY;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }

        if (sxx <= 0 || syy <= 0)
        {
            return null;
        }

        // Square roots taken apart: sxx·syy can overflow for long responses over a million episodes.
        return Math.Clamp(sxy / (Math.Sqrt(sxx) * Math.Sqrt(syy)), -1, 1);
    }

    /// <summary>Whether r over n pairs is unlikely under no correlation: |t| ≥ <see cref="SignificanceT"/>, with t on n − 2 degrees of freedom.</summary>
    internal static bool IsSignificant(double r, int n)
    {
        if (n < 3)
        {
            return false;
        }

        var residual = 1 - (r * r);
        return residual <= 0 || Math.Abs(r) * Math.Sqrt(n - 2) / Math.Sqrt(residual) >= SignificanceT;
    }

    internal static double Mean(ReadOnlySpan<double> values)
    {
        if (values.Length == 0)
        {
            return 0;
        }

        var sum = 0.0;
        foreach (var value in values)
        {
            sum += value;
        }

        return sum / values.Length;
    }

    // Totals that are equal in exact arithmetic can differ in the last bits (0.1 + 0.2 vs 0.3); a series
    // of such values is constant, and correlating its rounding noise would give any r at all.
    private static bool IsConstant(ReadOnlySpan<double> values)
    {
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        foreach (var value in values)
        {
            min = Math.Min(min, value);
            max = Math.Max(max, value);
        }

        return max - min <= 1e-9 * Math.Max(Math.Abs(min), Math.Abs(max));
    }
}

/// <summary>
/// Accumulates <see cref="RewardDiagnostics"/> one episode at a time for <see cref="RolloutSummaryBuilder"/>.
/// Keeps a few numbers per diagnosed episode (index, success, reward, length, positive process reward) plus
/// a raw and a value total per component, in columns; <see cref="Build"/> sorts them by episode index so
/// the result does not depend on the order episodes arrived in, then computes everything two-pass.
/// </summary>
internal sealed class RewardDiagnosticsAccumulator
{
    private readonly List<long> _episode = [];
    private readonly List<bool> _success = [];
    private readonly List<double> _reward = [];
    private readonly List<double> _length = [];
    private readonly List<double> _positiveProcess = [];
    private readonly Dictionary<string, Column> _columns = new(StringComparer.Ordinal);
    private readonly List<Column> _touched = [];
    private long _turns;
    private long _formatValidTurns;

    public void Add(EpisodeRecord record)
    {
        if (record.Status != EpisodeStatus.Completed || record.Turns.Count == 0)
        {
            return;
        }

        var row = _episode.Count;
        long length = 0;
        var positiveProcess = 0.0;
        _touched.Clear();
        foreach (var turn in record.Turns)
        {
            _turns++;
            if (turn.FormatError is null)
            {
                _formatValidTurns++;
            }

            length += turn.Action.Text.Length;
            foreach (var term in turn.Breakdown.Terms)
            {
                if (!_columns.TryGetValue(term.Name, out var column))
                {
                    column = new Column(term.Name);
                    _columns.Add(term.Name, column);
                }

                if (column.PendingRow != row)
                {
                    column.Begin(row, record.Episode, _touched.Count, term);
                    _touched.Add(column);
                }

                var value = term.Value;
                column.PendingRaw += term.Raw;
                column.PendingValue += value;
                if (term.Kind == RewardKind.Process && value > 0)
                {
                    positiveProcess += value;
                }
            }
        }

        foreach (var column in _touched)
        {
            column.Commit(row);
        }

        _episode.Add(record.Episode);
        _success.Add(record.Success);
        _reward.Add(record.TotalReward);
        _length.Add(length);
        _positiveProcess.Add(positiveProcess);
    }

    public RewardDiagnostics Build()
    {
        var n = _episode.Count;
        if (n == 0)
        {
            return RewardDiagnostics.Empty;
        }

        // Episode indexes are unique within a run; the other keys only settle ties among records merged from several runs.
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) =>
        {
            var c = _episode[a].CompareTo(_episode[b]);
            c = c != 0 ? c : _reward[a].CompareTo(_reward[b]);
            c = c != 0 ? c : _length[a].CompareTo(_length[b]);
            c = c != 0 ? c : _success[a].CompareTo(_success[b]);
            return c != 0 ? c : _positiveProcess[a].CompareTo(_positiveProcess[b]);
        });

        var success = Gather(order, i => _success[i] ? 1.0 : 0.0);
        var reward = Gather(order, i => _reward[i]);
        var length = Gather(order, i => _length[i]);
        var positiveProcess = Gather(order, i => _positiveProcess[i]);
        var successRate = RewardDiagnostics.Mean(success);

        var half = n / 2;
        var trend = n >= RewardDiagnostics.TrendMinEpisodes;
        var columns = _columns.Values
            .Where(c => c.Rows > 0)
            .OrderBy(c => c.FirstEpisode)
            .ThenBy(c => c.FirstPosition)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        var weightSum = columns.Sum(c => Math.Abs(c.Weight));
        var values = columns.Select(c => c.Gather(order, raws: false)).ToList();
        var paid = values.Select(v => RewardDiagnostics.Mean(v.Select(Math.Abs).ToArray())).ToList();
        var paidSum = paid.Sum();
        var components = new List<ComponentDiagnostics>(columns.Count);
        for (var k = 0; k < columns.Count; k++)
        {
            var column = columns[k];
            var raw = column.Gather(order, raws: true);
            var value = values[k];
            components.Add(new ComponentDiagnostics(
                column.Name,
                column.Kind,
                column.Weight,
                weightSum > 0 ? Math.Abs(column.Weight) / weightSum : null,
                RewardDiagnostics.Mean(raw),
                RewardDiagnostics.Mean(value),
                value.Max() - value.Min(),
                paidSum > 0 ? paid[k] / paidSum : null,
                RewardDiagnostics.Pearson(raw, success),
                RewardDiagnostics.Pearson(value, success),
                trend ? Halves(value, half) : null));
        }

        var positiveTotal = 0.0;
        var positiveUnsuccessful = 0.0;
        for (var i = 0; i < n; i++)
        {
            positiveTotal += positiveProcess[i];
            if (success[i] == 0)
            {
                positiveUnsuccessful += positiveProcess[i];
            }
        }

        var diagnostics = new RewardDiagnostics(
            n,
            successRate,
            components,
            positiveTotal > 0 ? positiveUnsuccessful / positiveTotal : null,
            RewardDiagnostics.Pearson(length, reward),
            RewardDiagnostics.Pearson(length, success),
            _turns == 0 ? null : (double)_formatValidTurns / _turns,
            trend ? Halves(success, half) : null,
            []);
        return diagnostics with { Warnings = RewardWarnings.Of(diagnostics) };
    }

    private static double[] Gather(int[] order, Func<int, double> select)
    {
        var values = new double[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            values[i] = select(order[i]);
        }

        return values;
    }

    private static HalfTrend Halves(double[] values, int half) =>
        new(RewardDiagnostics.Mean(values.AsSpan(0, half)), RewardDiagnostics.Mean(values.AsSpan(half)));

    /// <summary>One component's per-episode totals, by diagnosed row; rows before it first appeared, or without it, are 0.</summary>
    private sealed class Column(string name)
    {
        private readonly List<double> _raw = [];
        private readonly List<double> _value = [];

        public string Name { get; } = name;

        public RewardKind Kind { get; private set; }

        public double Weight { get; private set; }

        public long FirstEpisode { get; private set; } = long.MaxValue;

        public int FirstPosition { get; private set; }

        public int PendingRow { get; private set; } = -1;

        public double PendingRaw { get; set; }

        public double PendingValue { get; set; }

        public int Rows => _raw.Count;

        // "First seen" is by the lowest episode index, not arrival order, so concurrency cannot change it.
        public void Begin(int row, long episode, int position, RewardTerm term)
        {
            PendingRow = row;
            PendingRaw = 0;
            PendingValue = 0;
            if (episode < FirstEpisode)
            {
                FirstEpisode = episode;
                FirstPosition = position;
                Kind = term.Kind;
                Weight = term.Weight;
            }
        }

        public void Commit(int row)
        {
            Pad(row);
            _raw.Add(PendingRaw);
            _value.Add(PendingValue);
        }

        public double[] Gather(int[] order, bool raws)
        {
            var source = raws ? _raw : _value;
            var values = new double[order.Length];
            for (var i = 0; i < order.Length; i++)
            {
                var row = order[i];
                values[i] = row < source.Count ? source[row] : 0;
            }

            return values;
        }

        private void Pad(int rows)
        {
            while (_raw.Count < rows)
            {
                _raw.Add(0);
                _value.Add(0);
            }
        }
    }
}

/// <summary>The warning lines of <see cref="RewardDiagnostics.Warnings"/>, from the figures alone.</summary>
internal static class RewardWarnings
{
    public static IReadOnlyList<string> Of(RewardDiagnostics d)
    {
        var warnings = new List<string>();
        foreach (var c in d.Components.Where(c => c.Kind == RewardKind.Process && c.Weight != 0))
        {
            if (c.SuccessCorrelation is { } r && r <= RewardDiagnostics.GamedCorrelation && RewardDiagnostics.IsSignificant(r, d.Episodes))
            {
                warnings.Add(Text($"'{c.Name}' (process, weight {c.Weight:0.###}) looks gamed: negatively correlated with success (r = {r:0.00} over {d.Episodes} episodes, mean reward {c.MeanValue:0.000} per episode)"));
            }

            if (c.Trend is { } t && d.SuccessTrend is { } s && c.ValueRange > 0
                && t.Change > RewardDiagnostics.TrendRiseShareOfRange * c.ValueRange
                && -s.Change > RewardDiagnostics.TrendSuccessFall)
            {
                warnings.Add(Text($"'{c.Name}' (process): high process reward with falling outcome: mean reward per episode rose {t.FirstHalf:0.000} → {t.SecondHalf:0.000} ({t.Change / c.ValueRange * 100:+0}% of its range) while success fell {Pct(s.FirstHalf)} → {Pct(s.SecondHalf)} from the first to the second half of the run"));
            }
        }

        // When every episode succeeded, longer ones earning more is the task's own shape (more hops, more
        // milestones), not reward bought without success: there is no unsuccessful episode to buy it in.
        if (d.LengthRewardCorrelation is { } lr && lr >= RewardDiagnostics.LengthRewardCorrelationFloor && RewardDiagnostics.IsSignificant(lr, d.Episodes)
            && d.SuccessRate < 1
            && (d.LengthSuccessCorrelation is not { } ls || ls <= RewardDiagnostics.LengthSuccessCorrelationCeiling))
        {
            var successText = d.LengthSuccessCorrelation is { } value ? Text($"{value:0.00}") : "n/a (no episode succeeded)";
            warnings.Add(Text($"response length: reward grows with length but success does not (length/reward r = {lr:0.00}, length/success r = {successText})"));
        }

        if (d.UnsuccessfulProcessShare is { } share && share >= RewardDiagnostics.UnsuccessfulProcessShareFloor
            && d.SuccessRate < RewardDiagnostics.LowSuccessRate)
        {
            var names = string.Join(", ", d.Components.Where(c => c.Kind == RewardKind.Process && c.MeanValue > 0).Select(c => $"'{c.Name}'"));
            warnings.Add(Text($"process reward ({names}): most process reward is earned in failed episodes (unsuccessful ones, {Pct(1 - d.SuccessRate)} of episodes, earned {Pct(share)} of positive process reward; success rate {Pct(d.SuccessRate)})"));
        }

        return warnings;
    }

    private static string Pct(double value) => Text($"{value * 100:0.0}%");

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
