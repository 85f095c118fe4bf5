using Gym.Core.Seeding;
using Gym.Environments.SearchQa.Corpus;
using Gym.Environments.SearchQa.Data;

namespace Gym.SearchBench;

/// <summary>Which corpus and queries the benchmark runs.</summary>
internal enum CorpusKind
{
    /// <summary>The generated knowledge base, searched with its questions' hop queries.</summary>
    Kb,

    /// <summary>The Zipfian <see cref="SyntheticCorpus"/>, searched with title word plus common words.</summary>
    Zipf,
}

/// <summary>The document a hop query is meant to find, for hop recall.</summary>
/// <param name="Title">The supporting document's title (titles are unique in a knowledge base).</param>
/// <param name="Kind">The kind of question the hop belongs to.</param>
internal sealed record HopTarget(string Title, HopKind Kind);

/// <summary>
/// One size's corpus and query streams. The corpus is materialised so that generating or rendering it
/// is not counted as hashing or indexing time.
/// </summary>
/// <param name="Corpus">The documents, in corpus order.</param>
/// <param name="Queries">The measured queries.</param>
/// <param name="Warmup">Queries for the JIT warm-up, drawn apart from the measured ones.</param>
/// <param name="Targets">For the knowledge base, the target of each measured query (same index); null for zipf.</param>
internal sealed record Workload(IReadOnlyList<CorpusDocument> Corpus, IReadOnlyList<string> Queries, IReadOnlyList<string> Warmup, IReadOnlyList<HopTarget>? Targets)
{
    public static Workload Create(CorpusKind kind, int size, BenchSettings settings) => kind switch
    {
        CorpusKind.Zipf => Zipf(new SyntheticCorpus(settings.Seed), size, settings),
        _ => KnowledgeBase(size, settings),
    };

    private static Workload Zipf(SyntheticCorpus generator, int size, BenchSettings settings) => new(
        generator.Documents(size).ToList(),
        Enumerable.Range(0, settings.Queries).Select(i => generator.Query(i, size)).ToArray(),
        Enumerable.Range(0, settings.Warmup).Select(i => generator.Query(1_000_000 + i, size)).ToArray(),
        null);

    private static Workload KnowledgeBase(int size, BenchSettings settings)
    {
        var kb = KnowledgeBaseGenerator.Generate(new KnowledgeBaseOptions(settings.Seed, size));
        var measured = HopQueries(kb, settings.Queries, settings.Seed);
        // A separate question stream, so the warm-up does not pre-load exactly the postings measured later.
        var warmup = HopQueries(kb, settings.Warmup, SeededRandom.Derive(settings.Seed, "searchbench/warmup"));
        return new Workload(kb.EnumerateDocuments().ToList(), measured.Select(h => h.Query).ToArray(), warmup.Select(h => h.Query).ToArray(), measured.Select(h => h.Target).ToArray());
    }

    /// <summary>
    /// The first <paramref name="count"/> hop queries of questions of every kind, taken round-robin by
    /// question (single-hop, bridge, comparison, three-hop, then the next of each), each question's hops in
    /// order. So the mix follows the hops an agent makes: one round is 1 + 2 + 2 + 3 = 8 queries.
    /// </summary>
    private static List<(string Query, HopTarget Target)> HopQueries(KnowledgeBase kb, int count, long seed)
    {
        var kinds = Gym.Environments.SearchQa.Data.KnowledgeBase.QuestionKinds;
        // Every round yields at least one query per kind, so count / kinds questions per kind always suffice.
        var perKind = (count / kinds.Count) + 1;
        var questions = kinds.Select(k => kb.Questions(k, perKind, seed)).ToList();
        var hops = new List<(string, HopTarget)>(count);
        for (var i = 0; i < perKind && hops.Count < count; i++)
        {
            foreach (var question in questions.Select(q => q[i]))
            {
                // Hop i searches for SupportingTitles[i]: the chain's next entity, or for a comparison the
                // entity that query names.
                if (question.HopQueries.Count != question.SupportingTitles.Count)
                {
                    throw new InvalidOperationException($"{question.Id}: {question.HopQueries.Count} hop queries but {question.SupportingTitles.Count} supporting titles");
                }

                for (var hop = 0; hop < question.HopQueries.Count && hops.Count < count; hop++)
                {
                    hops.Add((question.HopQueries[hop], new HopTarget(question.SupportingTitles[hop], question.Kind)));
                }
            }
        }

        return hops;
    }
}
