using System.Text;
using Gym.Core.Seeding;
using Gym.Environments.SearchQa.Corpus;

namespace Gym.SearchBench;

/// <summary>
/// A deterministic stand-in for an encyclopedia: a vocabulary of pronounceable pseudo-words whose
/// frequencies follow Zipf's law (s = 1), headed by real English function words as in real text,
/// and documents of 60-120 words about a 1-3 word titled "entity" that the text mentions a few
/// times. Each document comes from its own seeded stream, so document i is the same whatever the
/// corpus size. The benchmark's <c>--corpus zipf</c> alternative to the generated knowledge base: its
/// queries lean on very common terms, a harder case for exhaustive BM25 scoring than the hop queries.
/// </summary>
internal sealed class SyntheticCorpus
{
    private static readonly string[] FunctionWords =
    [
        "the", "of", "and", "in", "to", "a", "is", "was", "for", "on", "as", "by", "with", "that", "it",
        "at", "from", "his", "an", "which", "were", "are", "be", "this", "her", "also", "has", "or", "had", "its",
    ];

    private static readonly string[] Onsets = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "ch", "dr", "gr", "kl", "pr", "sh", "st", "tr", "th"];
    private static readonly string[] Vowels = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"];
    private static readonly string[] Codas = ["", "", "", "n", "r", "s", "l", "m", "x", "nd", "rt"];

    private readonly long _seed;
    private readonly double[] _cumulative;

    public SyntheticCorpus(long seed, int vocabularySize = 5000)
    {
        _seed = seed;
        Vocabulary = BuildVocabulary(seed, vocabularySize);
        _cumulative = new double[Vocabulary.Count];
        var total = 0.0;
        for (var rank = 0; rank < Vocabulary.Count; rank++)
        {
            total += 1.0 / (rank + 1);
            _cumulative[rank] = total;
        }

        for (var rank = 0; rank < _cumulative.Length; rank++)
        {
            _cumulative[rank] /= total;
        }
    }

    public IReadOnlyList<string> Vocabulary { get; }

    /// <summary>The first <paramref name="count"/> documents.</summary>
    public IEnumerable<CorpusDocument> Documents(int count)
    {
        var text = new StringBuilder(1024);
        for (var i = 0; i < count; i++)
        {
            yield return Document(i, text);
        }
    }

    /// <summary>Query <paramref name="index"/> of a seeded stream: one title word of a random document (the entity asked about) and 1-3 Zipf-drawn words.</summary>
    public string Query(long index, int corpusSize)
    {
        var random = SeededRandom.ForStream(_seed, "query", index);
        var title = Title(SeededRandom.ForStream(_seed, "doc", random.Next(corpusSize)));
        var words = new List<string> { random.Pick(title.Split(' ')) };
        var extra = random.Next(1, 4);
        for (var i = 0; i < extra; i++)
        {
            words.Add(Zipf(random));
        }

        return string.Join(' ', words);
    }

    private CorpusDocument Document(int index, StringBuilder text)
    {
        var random = SeededRandom.ForStream(_seed, "doc", index);
        var title = Title(random);
        var length = random.Next(60, 121);
        text.Clear();
        var sentence = 0;
        for (var w = 0; w < length; w++)
        {
            var word = random.Chance(0.04) ? title : Zipf(random);
            if (sentence == 0)
            {
                text.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
            }
            else
            {
                text.Append(' ').Append(word);
            }

            sentence++;
            if (w == length - 1 || (sentence >= 6 && random.Chance(0.12)))
            {
                text.Append(". ");
                sentence = 0;
            }
        }

        return new CorpusDocument($"doc{index:D7}", title, text.ToString().TrimEnd());
    }

    private string Title(SeededRandom random)
    {
        // Entity names come from the rarer part of the vocabulary, as names do.
        var words = random.Next(1, 4);
        var title = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            var word = Vocabulary[random.Next(Vocabulary.Count / 10, Vocabulary.Count)];
            if (i > 0)
            {
                title.Append(' ');
            }

            title.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
        }

        return title.ToString();
    }

    private string Zipf(SeededRandom random)
    {
        var rank = Array.BinarySearch(_cumulative, random.NextDouble());
        return Vocabulary[Math.Min(rank < 0 ? ~rank : rank, Vocabulary.Count - 1)];
    }

    private static List<string> BuildVocabulary(long seed, int size)
    {
        var random = SeededRandom.ForStream(seed, "vocabulary");
        var words = new List<string>(FunctionWords);
        var seen = new HashSet<string>(words, StringComparer.Ordinal);
        var word = new StringBuilder();
        while (words.Count < size)
        {
            word.Clear();
            var syllables = random.Next(1, 4) + (random.Chance(0.3) ? 1 : 0);
            for (var s = 0; s < syllables; s++)
            {
                word.Append(random.Pick(Onsets)).Append(random.Pick(Vowels));
            }

            word.Append(random.Pick(Codas));
            var candidate = word.ToString();
            if (candidate.Length >= 3 && seen.Add(candidate))
            {
                words.Add(candidate);
            }
        }

        return words;
    }
}
