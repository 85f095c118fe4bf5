using FluentAssertions;
using Gym.Environments.SearchQa.Corpus;
using Gym.Environments.SearchQa.Data;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Data;

public sealed class KnowledgeBaseQuestionTests
{
    private static readonly KnowledgeBase Kb = KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(21, 4_000, DistractorShare: 0.3));

    [Theory]
    [InlineData(HopKind.SingleHop, 1)]
    [InlineData(HopKind.Bridge, 2)]
    [InlineData(HopKind.Comparison, 2)]
    [InlineData(HopKind.ThreeHop, 3)]
    public void Each_kind_needs_its_number_of_distinct_documents_with_one_query_per_hop(HopKind kind, int hops)
    {
        var questions = Kb.Questions(kind, 300, 5);

        questions.Should().HaveCount(300);
        questions.Select(q => q.Question).Should().OnlyHaveUniqueItems();
        questions.Select(q => q.Id).Should().OnlyHaveUniqueItems();
        foreach (var q in questions)
        {
            q.Kind.Should().Be(kind);
            q.SupportingTitles.Should().HaveCount(hops).And.OnlyHaveUniqueItems();
            q.HopQueries.Should().HaveCount(hops);
            q.Answers.Should().NotBeEmpty().And.OnlyContain(a => !string.IsNullOrWhiteSpace(a));
            q.Question.Should().EndWith("?");
        }
    }

    [Theory]
    [InlineData(HopKind.SingleHop)]
    [InlineData(HopKind.Bridge)]
    [InlineData(HopKind.Comparison)]
    [InlineData(HopKind.ThreeHop)]
    public void Supporting_documents_exist_are_real_and_hold_the_answer(HopKind kind)
    {
        var distractorTitles = Enumerable.Range(0, Kb.Documents.Count).Where(Kb.IsDistractor).Select(p => Kb.Documents[p].Title).ToHashSet(StringComparer.Ordinal);

        foreach (var q in Kb.Questions(kind, 300, 6))
        {
            var supporting = q.SupportingTitles.Select(t => Kb.FindByTitle(t)).ToList();
            supporting.Should().NotContainNulls($"every supporting title of '{q.Question}' names a document");
            q.SupportingTitles.Should().NotIntersectWith(distractorTitles, "questions are about real entities only");
            if (kind == HopKind.Comparison)
            {
                q.SupportingTitles.Should().Contain(q.Answers[0]);
                q.Question.Should().Contain(q.SupportingTitles[0]).And.Contain(q.SupportingTitles[1]);
            }
            else
            {
                supporting[^1]!.Text.Should().Contain(q.Answers[0], $"the last hop of '{q.Question}' states the answer");
                q.Question.Should().Contain(q.SupportingTitles[0], "the first hop starts from an entity the question names");
            }

            // Each later hop's entity is named by the document before it: the chain can be followed by reading.
            for (var hop = 1; hop < supporting.Count && kind != HopKind.Comparison; hop++)
            {
                supporting[hop - 1]!.Text.Should().Contain(q.SupportingTitles[hop]);
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_hop_query_ranks_its_document_in_the_bm25_top_three(bool indexTitles)
    {
        var index = new Bm25(Kb.EnumerateDocuments(), indexTitles);

        foreach (var kind in KnowledgeBase.QuestionKinds)
        {
            foreach (var q in Kb.Questions(kind, 60, 8))
            {
                for (var hop = 0; hop < q.HopQueries.Count; hop++)
                {
                    index.Top(q.HopQueries[hop], 3).Should().Contain(q.SupportingTitles[hop], $"'{q.HopQueries[hop]}' should find it for '{q.Question}'");
                }
            }
        }
    }

    [Fact]
    public void Questions_are_a_function_of_the_seed()
    {
        foreach (var kind in KnowledgeBase.QuestionKinds)
        {
            Kb.Questions(kind, 40, 3).Should().BeEquivalentTo(Kb.Questions(kind, 40, 3), o => o.WithStrictOrdering());
            Kb.Questions(kind, 40, 4).Select(q => q.Question).Should().NotEqual(Kb.Questions(kind, 40, 3).Select(q => q.Question));
            Kb.Question(kind, 77).Should().BeEquivalentTo(Kb.Question(kind, 77));
        }
    }

    [Fact]
    public void A_single_question_per_seed_has_a_seed_id_and_varies_with_the_seed()
    {
        var questions = Enumerable.Range(0, 50).Select(seed => Kb.Question(HopKind.Bridge, seed)).ToList();

        questions[3].Id.Should().Be("bridge-s3");
        questions.Select(q => q.Question).Distinct().Should().HaveCountGreaterThan(45);
    }

    [Fact]
    public void Questions_cover_every_template_family()
    {
        var texts = KnowledgeBase.QuestionKinds.SelectMany(k => Kb.Questions(k, 200, 9)).Select(q => q.Question).ToList();

        foreach (var fragment in new[]
        {
            "born?", "work for?", "In which country is", "founded?", "population of", "headquartered?", "Who founded",
            "makes the", "launched?", "Who is older", "founded first", "the larger population", "the founder of the company that makes",
        })
        {
            texts.Should().Contain(t => t.Contains(fragment, StringComparison.Ordinal), $"some question uses '{fragment}'");
        }
    }

    [Fact]
    public void Years_and_populations_are_answered_as_text_with_aliases()
    {
        var questions = Kb.Questions(HopKind.SingleHop, 400, 10);

        questions.Where(q => q.Question.StartsWith("In what year", StringComparison.Ordinal))
            .Should().NotBeEmpty().And.OnlyContain(q => q.Answers.Count == 1 && q.Answers[0].Length >= 3 && q.Answers[0].All(char.IsAsciiDigit));
        questions.Where(q => q.Question.StartsWith("What is the population", StringComparison.Ordinal))
            .Should().NotBeEmpty().And.OnlyContain(q => q.Answers.Count == 2 && q.Answers[1] == q.Answers[0].Replace(",", "", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_kind_is_refused()
    {
        var act = () => Kb.Questions(HopKind.Unknown, 1, 1);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
