using System.Text.Json;
using FluentAssertions;
using Gym.Core.Rewards;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Rewards;

/// <summary>
/// Exact match and token F1 against the reference: every case of Fixtures/squad-reference-cases.json
/// was scored by the SQuAD v2.0 evaluation script's own functions (Fixtures/squad_reference.py, with
/// the max-over-gold-aliases rule of Search-R1, MEM1 and FlashRAG).
/// </summary>
public sealed class SquadReferenceTests
{
    private sealed record Case(string Prediction, string[] Golds, string Normalized, int Em, double F1);

    private static readonly Lazy<IReadOnlyList<Case>> Cases = new(() =>
        JsonSerializer.Deserialize<Case[]>(
            File.ReadAllText(RepositoryFolders.Path("tests", "Gym.Core.Tests", "Rewards", "Fixtures", "squad-reference-cases.json")),
            Json)!);

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static TheoryData<int> Indices()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Cases.Value.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Fact]
    public void The_table_has_at_least_forty_cases() => Cases.Value.Count.Should().BeGreaterThanOrEqualTo(40);

    [Theory]
    [MemberData(nameof(Indices))]
    public void Normalization_exact_match_and_f1_equal_the_reference(int index)
    {
        var c = Cases.Value[index];

        ExactMatch.Normalize(c.Prediction).Should().Be(c.Normalized, $"normalize_answer({c.Prediction})");
        (ExactMatch.Matches(c.Prediction, c.Golds) ? 1 : 0).Should().Be(c.Em, $"EM of '{c.Prediction}' against {string.Join(" | ", c.Golds)}");
        TokenF1.Score(c.Prediction, c.Golds).Should().BeApproximately(c.F1, 1e-12, $"F1 of '{c.Prediction}' against {string.Join(" | ", c.Golds)}");
    }

    [Fact]
    public void Lone_surrogates_do_not_throw() =>
        ExactMatch.Normalize("x\ud800y the").Should().Be("x\ufffdy");
}
