using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using Gym.Environments.SearchQa.Data;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Data;

public sealed class KnowledgeBaseGeneratorTests
{
    private static readonly char[] WordSeparators = [' '];

    [Fact]
    public void The_same_options_give_identical_documents_and_questions()
    {
        var first = Fingerprint(KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(7, 2_000)));
        var second = Fingerprint(KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(7, 2_000)));

        second.Should().Be(first);
    }

    [Fact]
    public void Another_seed_gives_another_knowledge_base()
    {
        var first = Fingerprint(KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(7, 2_000)));
        var other = Fingerprint(KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(8, 2_000)));

        other.Should().NotBe(first);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(100_000)]
    public void It_generates_exactly_the_documents_asked_for_with_unique_ids_and_titles(int documents)
    {
        var kb = KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(3, documents));

        var all = kb.EnumerateDocuments().ToList();
        all.Should().HaveCount(documents);
        kb.Documents.Should().HaveCount(documents);
        all.Select(d => d.Title).Should().OnlyHaveUniqueItems();
        all.Select(d => d.Id).Should().OnlyHaveUniqueItems();
        all[0].Id.Should().Be("kb-000000");
        all[^1].Id.Should().Be($"kb-{documents - 1:D6}");
        var stats = kb.Statistics;
        (stats.Cities + stats.Companies + stats.People + stats.Products).Should().Be(documents);
        stats.Distractors.Should().Be((int)Math.Round(documents * 0.2));
    }

    [Fact]
    public void Documents_read_the_same_in_any_order_and_by_title()
    {
        var kb = KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(11, 1_000));

        var late = kb.Documents[900];
        var streamed = kb.EnumerateDocuments().ToList();

        streamed[900].Should().Be(late);
        kb.Documents.Should().Equal(streamed);
        kb.FindByTitle(late.Title).Should().Be(late);
        kb.FindByTitle("No Such Title").Should().BeNull();
    }

    [Fact]
    public void Every_document_is_two_to_five_sentences_naming_its_subject()
    {
        var kb = KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(5, 3_000));

        foreach (var document in kb.EnumerateDocuments())
        {
            document.Text.Should().EndWith(".");
            document.Text.Split(". ").Length.Should().BeInRange(2, 5, document.Text);
            document.Text.Should().Contain(document.Title);
        }
    }

    [Fact]
    public void Distractors_imitate_real_documents_and_share_their_words()
    {
        var kb = KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(9, 5_000, DistractorShare: 0.3));

        var distractors = Enumerable.Range(0, kb.Documents.Count).Where(kb.IsDistractor).ToList();

        distractors.Should().HaveCount(1_500);
        var sources = new HashSet<string>(StringComparer.Ordinal);
        foreach (var position in distractors)
        {
            var title = kb.Documents[position].Title;
            var source = kb.DistractorOf(position)!;
            title.Should().NotBe(source);
            title.Split(WordSeparators).Intersect(source.Split(WordSeparators)).Should().NotBeEmpty($"'{title}' imitates '{source}'");
            kb.FindByTitle(source).Should().NotBeNull();
            sources.Add(source).Should().BeTrue("a real entity lends its name to one distractor at most");
        }

        var titles = kb.EnumerateDocuments().Select(d => d.Title).ToHashSet(StringComparer.Ordinal);
        // The look-alike patterns the issue names: a surname stretched, a city renamed "New …" in another country.
        titles.Where(t => t.StartsWith("New ", StringComparison.Ordinal) && titles.Contains(t[4..])).Should().NotBeEmpty();
        distractors.Select(p => (Title: kb.Documents[p].Title.Split(WordSeparators), Source: kb.DistractorOf(p)!.Split(WordSeparators)))
            .Should().Contain(pair => pair.Title.Length == 2 && pair.Source.Length == 2 && pair.Title[0] == pair.Source[0]
                && pair.Title[1].Length > pair.Source[1].Length && pair.Title[1].StartsWith(pair.Source[1], StringComparison.Ordinal));
    }

    [Fact]
    public void A_new_city_lies_in_another_country_than_its_namesake()
    {
        var kb = KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(4, 20_000));

        var checkedAny = false;
        for (var position = 0; position < kb.Documents.Count; position++)
        {
            if (kb.DistractorOf(position) is { } source && kb.Documents[position].Title == "New " + source)
            {
                var country = Country(kb.Documents[position].Text);
                country.Should().NotBe(Country(kb.FindByTitle(source)!.Text));
                checkedAny = true;
            }
        }

        checkedAny.Should().BeTrue();
    }

    [Fact]
    public void The_largest_distractor_share_gives_every_real_entity_a_look_alike()
    {
        var kb = KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(6, 1_000, KnowledgeBaseOptions.MaxDistractorShare));

        var sources = Enumerable.Range(0, kb.Documents.Count).Select(kb.DistractorOf).Where(s => s is not null).ToList();

        sources.Should().HaveCount(500).And.OnlyHaveUniqueItems();
        kb.Statistics.Distractors.Should().Be(500);
    }

    [Fact]
    public void Without_a_distractor_share_there_are_no_distractors()
    {
        var kb = KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(2, 1_000, DistractorShare: 0));

        Enumerable.Range(0, kb.Documents.Count).Where(kb.IsDistractor).Should().BeEmpty();
        kb.Statistics.Distractors.Should().Be(0);
    }

    [Theory]
    [InlineData(999, 0.2)]
    [InlineData(1_000_001, 0.2)]
    [InlineData(1_000, -0.1)]
    [InlineData(1_000, 0.6)]
    [InlineData(1_000, double.NaN)]
    public void Options_out_of_range_are_refused(int documents, double share)
    {
        var act = () => KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(1, documents, share));

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    /// <summary>A SHA-256 over every document and 50 questions of each kind.</summary>
    internal static string Fingerprint(KnowledgeBase kb)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var document in kb.EnumerateDocuments())
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{document.Id}\u0001{document.Title}\u0001{document.Text}\u0002"));
        }

        foreach (var kind in KnowledgeBase.QuestionKinds)
        {
            foreach (var q in kb.Questions(kind, 50, 1))
            {
                hash.AppendData(Encoding.UTF8.GetBytes($"{q.Id}\u0001{q.Question}\u0001{string.Join('|', q.Answers)}\u0001{string.Join('|', q.SupportingTitles)}\u0001{q.Kind}\u0001{string.Join('|', q.HopQueries)}\u0002"));
            }
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>The country a city document names: every template writes "country of X" or "in X, a country".</summary>
    private static string Country(string text)
    {
        const string Of = "country of ";
        var at = text.IndexOf(Of, StringComparison.Ordinal);
        if (at >= 0)
        {
            var start = at + Of.Length;
            return text[start..text.IndexOfAny([',', '.'], start)];
        }

        var comma = text.IndexOf(", a country", StringComparison.Ordinal);
        var begin = text.LastIndexOf(" in ", comma, StringComparison.Ordinal) + 4;
        return text[begin..comma];
    }
}
