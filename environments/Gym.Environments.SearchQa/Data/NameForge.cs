using Gym.Core.Seeding;

namespace Gym.Environments.SearchQa.Data;

/// <summary>
/// Pronounceable fictional words from consonant-vowel syllables. Real-world names would let a model answer
/// from memory instead of searching, so every name in the knowledge base is made up.
/// </summary>
internal static class NameForge
{
    private static readonly string[] Onsets = ["b", "br", "c", "d", "dr", "f", "g", "gr", "h", "j", "k", "kr", "l", "m", "n", "p", "pr", "r", "s", "sh", "st", "t", "th", "tr", "v", "z"];

    // Plain vowels repeat so that diphthongs stay rare and names stay easy to read.
    private static readonly string[] Vowels = ["a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea"];

    private static readonly string[] Codas = ["", "", "", "n", "r", "l", "s", "th", "m", "x", "nd", "k"];

    // Short draws can spell real words. A stop word vanishes from a BM25 query ("Pres For born" would
    // search for "pres born"), and a look-alike prefix would blur real names with distractor ones.
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of", "on", "or",
        "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
        "he", "she", "her", "his", "him", "who", "had", "has", "do", "so", "up", "me", "we", "us", "my", "go", "man", "son",
        "new", "port", "east", "west", "north", "south", "upper", "lower", "old", "falls", "bay", "pro", "max", "air", "neo", "mini", "lite", "plus",
    };

    /// <summary>A capitalised word of <paramref name="syllables"/> syllables, with a closing consonant or <paramref name="ending"/>.</summary>
    public static string Word(SeededRandom rng, int syllables, string ending = "")
    {
        string word;
        do
        {
            word = Draw(rng, syllables, ending);
        }
        while (Reserved.Contains(word));

        return word;
    }

    private static string Draw(SeededRandom rng, int syllables, string ending)
    {
        Span<char> buffer = stackalloc char[64];
        var length = 0;
        for (var i = 0; i < syllables; i++)
        {
            Append(buffer, ref length, Onsets[rng.Next(Onsets.Length)]);
            Append(buffer, ref length, Vowels[rng.Next(Vowels.Length)]);
        }

        Append(buffer, ref length, ending.Length > 0 ? ending : Codas[rng.Next(Codas.Length)]);
        buffer[0] = char.ToUpperInvariant(buffer[0]);
        return new string(buffer[..length]);
    }

    private static void Append(Span<char> buffer, ref int length, string part)
    {
        part.AsSpan().CopyTo(buffer[length..]);
        length += part.Length;
    }
}
