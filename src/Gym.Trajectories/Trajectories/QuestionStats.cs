using System.Collections.Immutable;
using System.Text.Json;
using Gym.Core.Datasets;

namespace Gym.Core.Trajectories;

/// <summary>
/// Metrics over distinct questions: each question's completed episodes are averaged first, then the
/// questions, so a question drawn three times weighs as much as one drawn once (what a paper's table
/// over a dev set reports).
/// </summary>
/// <param name="Questions">Distinct questions with at least one completed episode.</param>
/// <param name="Episodes">The completed episodes over them.</param>
/// <param name="SuccessRate">Mean over questions of the question's success rate.</param>
/// <param name="ExactMatch">Mean over questions of the raw <c>exact_match</c> outcome; null when the run has no such component.</param>
/// <param name="TokenF1">Mean over questions of the raw <c>token_f1</c> outcome; null when the run has no such component.</param>
public sealed record QuestionMetrics(int Questions, int Episodes, double SuccessRate, double? ExactMatch, double? TokenF1);

/// <summary>The metrics of the questions whose row carries <paramref name="Field"/> = <paramref name="Value"/>.</summary>
/// <param name="Field">The row field: <c>data_source</c>, <c>type</c> or <c>level</c>.</param>
/// <param name="Value">Its value.</param>
/// <param name="Metrics">The metrics over those questions.</param>
public sealed record QuestionGroup(string Field, string Value, QuestionMetrics Metrics);

/// <summary>
/// A run's metrics over distinct questions, overall and per row field (<see cref="QuestionFields.GroupFields"/>),
/// for episodes whose reset info names their question (<c>question_id</c> or <c>item</c>).
/// </summary>
/// <param name="All">Over every question.</param>
/// <param name="Groups">Per field, then per value (ordinal), for the fields some question carries.</param>
public sealed record QuestionStats(QuestionMetrics All, IReadOnlyList<QuestionGroup> Groups);

/// <summary>
/// Accumulates <see cref="QuestionStats"/> one episode at a time. Only completed episodes count, as for
/// the run's success rate. Memory grows by one small entry per completed episode.
/// </summary>
public sealed class QuestionStatsBuilder
{
    private const string ExactMatchName = "exact_match";
    private const string TokenF1Name = "token_f1";

    private readonly Dictionary<string, PerQuestion> _questions = new(StringComparer.Ordinal);
    private bool _sawExactMatch;
    private bool _sawTokenF1;

    /// <summary>Adds one episode; one without a question id or not completed is ignored.</summary>
    public void Add(EpisodeRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Status != EpisodeStatus.Completed || QuestionId(record.ResetInfo) is not { } id)
        {
            return;
        }

        if (!_questions.TryGetValue(id, out var question))
        {
            question = new PerQuestion();
            _questions.Add(id, question);
        }

        question.SeeTags(record.Episode, record.ResetInfo);

        var (exactMatch, hasExactMatch) = RawTotal(record, ExactMatchName);
        var (tokenF1, hasTokenF1) = RawTotal(record, TokenF1Name);
        _sawExactMatch |= hasExactMatch;
        _sawTokenF1 |= hasTokenF1;
        question.Add(record.Episode, record.Success, exactMatch, tokenF1);
    }

    /// <summary>The stats of the episodes added so far; null when none named a question.</summary>
    public QuestionStats? Build()
    {
        if (_questions.Count == 0)
        {
            return null;
        }

        // Ordered by id so that the sums do not depend on which episode finished first.
        var ordered = _questions.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => pair.Value).ToList();
        var groups = ImmutableArray.CreateBuilder<QuestionGroup>();
        foreach (var field in QuestionFields.GroupFields)
        {
            foreach (var byValue in ordered.Where(q => q.Tags.ContainsKey(field)).GroupBy(q => q.Tags[field], StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                groups.Add(new QuestionGroup(field, byValue.Key, Metrics(byValue.ToList())));
            }
        }

        return new QuestionStats(Metrics(ordered), groups.ToImmutable());
    }

    private QuestionMetrics Metrics(IReadOnlyList<PerQuestion> questions) => new(
        questions.Count,
        questions.Sum(q => q.Episodes),
        questions.Sum(q => q.Successes / (double)q.Episodes) / questions.Count,
        _sawExactMatch ? questions.Sum(q => q.ExactMatch / q.Episodes) / questions.Count : null,
        _sawTokenF1 ? questions.Sum(q => q.TokenF1 / q.Episodes) / questions.Count : null);

    private static string? QuestionId(StepInfo info)
    {
        foreach (var key in QuestionFields.IdKeys)
        {
            if (Text(info, key) is { } id)
            {
                return id;
            }
        }

        return null;
    }

    private static Dictionary<string, string> Tags(StepInfo info)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in QuestionFields.GroupFields)
        {
            if (Text(info, field) is { } value)
            {
                tags[field] = value;
            }
        }

        return tags;
    }

    private static string? Text(StepInfo info, string key) => info.Values.TryGetValue(key, out var value) ? value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        _ => null,
    } : null;

    /// <summary>The episode's raw total of a component; an episode without it counts 0 (it could have fired and did not).</summary>
    private static (double Total, bool Present) RawTotal(EpisodeRecord record, string name)
    {
        var total = 0.0;
        var present = false;
        foreach (var turn in record.Turns)
        {
            foreach (var term in turn.Breakdown.Terms)
            {
                if (term.Name == name)
                {
                    total += term.Raw;
                    present = true;
                }
            }
        }

        return (total, present);
    }

    private sealed class PerQuestion
    {
        private readonly List<(long Episode, bool Success, double ExactMatch, double TokenF1)> _episodes = [];
        private (int Successes, double ExactMatch, double TokenF1)? _totals;
        private long _tagsEpisode = long.MaxValue;

        public Dictionary<string, string> Tags { get; private set; } = [];

        // The lowest episode's tags win, not the first to arrive, so that the groups do not depend on scheduling.
        public void SeeTags(long episode, StepInfo info)
        {
            if (episode < _tagsEpisode)
            {
                _tagsEpisode = episode;
                Tags = QuestionStatsBuilder.Tags(info);
            }
        }

        public int Episodes => _episodes.Count;

        public int Successes => Totals.Successes;

        public double ExactMatch => Totals.ExactMatch;

        public double TokenF1 => Totals.TokenF1;

        // Summed in episode order, not arrival order, so a question played several times sums the same whatever the scheduling.
        private (int Successes, double ExactMatch, double TokenF1) Totals => _totals ??= _episodes
            .OrderBy(e => e.Episode)
            .Aggregate((0, 0.0, 0.0), (sum, e) => (sum.Item1 + (e.Success ? 1 : 0), sum.Item2 + e.ExactMatch, sum.Item3 + e.TokenF1));

        public void Add(long episode, bool success, double exactMatch, double tokenF1)
        {
            _episodes.Add((episode, success, exactMatch, tokenF1));
            _totals = null;
        }
    }
}
