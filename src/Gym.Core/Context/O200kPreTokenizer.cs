using System.Globalization;

namespace Gym.Core.Context;

/// <summary>
/// Splits text into the pieces that o200k's byte-pair encoding works on, exactly as the o200k pre-tokenizer
/// regex does under .NET's backtracking engine (the pattern of tiktoken's <c>o200k_base</c>, as
/// Microsoft.ML.Tokenizers runs it):
/// <code>
/// A1 [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
/// A2 [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
/// A3 \p{N}{1,3}
/// A4  ?[^\s\p{L}\p{N}]+[\r\n/]*
/// A5 \s*[\r\n]+
/// A6 \s+(?!\S)
/// A7 \s+
/// </code>
/// Written out by hand because the regex, run through an enumerator per call, was most of a count's cost.
/// Like the regex it classifies UTF-16 code units one at a time (a surrogate half is in no letter, number or
/// space class), and <c>\s</c> is <see cref="char.IsWhiteSpace(char)"/>. Each alternative below notes where
/// backtracking decides its length; the differential tests hold it equal to the regex.
/// </summary>
internal static class O200kPreTokenizer
{
    private const int Upper = 1; // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
    private const int Lower = 2; // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
    private const int Number = 4; // \p{N}
    private const int Space = 8; // \s
    private const int Letter = 16; // \p{L}

    // Classes of the code units below 0x80, looked up instead of asking for a Unicode category.
    private static readonly byte[] AsciiClasses = BuildAsciiClasses();

    /// <summary>The end (exclusive) of the piece that starts at <paramref name="start"/> in <paramref name="text"/>; <paramref name="start"/> + 1 at least.</summary>
    public static int NextPieceEnd(ReadOnlySpan<char> text, int start)
    {
        var first = Classify(text[start]);
        var prefix = IsPrefix(text[start], first);

        // A1: the optional prefix is tried first (greedy), then without it.
        if (prefix && start + 1 < text.Length && MatchUpperStarLowerPlus(text, start + 1) is var withPrefix and >= 0)
        {
            return Contraction(text, withPrefix);
        }

        if (MatchUpperStarLowerPlus(text, start) is var plain and >= 0)
        {
            return Contraction(text, plain);
        }

        // A2: the same prefix, then at least one upper, then any lowers; nothing after can fail, so no backtracking.
        if (prefix && start + 1 < text.Length && (Classify(text[start + 1]) & Upper) != 0)
        {
            return Contraction(text, MatchUpperPlusLowerStar(text, start + 1));
        }

        if ((first & Upper) != 0)
        {
            return Contraction(text, MatchUpperPlusLowerStar(text, start));
        }

        // A3: one to three numbers.
        if ((first & Number) != 0)
        {
            var end = start + 1;
            while (end < text.Length && end - start < 3 && (Classify(text[end]) & Number) != 0)
            {
                end++;
            }

            return end;
        }

        // A4: an optional space, a run of what is neither space, letter nor number, then any of \r \n /.
        var symbols = -1;
        if (text[start] == ' ' && start + 1 < text.Length && IsSymbol(Classify(text[start + 1])))
        {
            symbols = start + 1;
        }
        else if (IsSymbol(first))
        {
            symbols = start;
        }

        if (symbols >= 0)
        {
            var end = symbols + 1;
            while (end < text.Length && IsSymbol(Classify(text[end])))
            {
                end++;
            }

            while (end < text.Length && text[end] is '\r' or '\n' or '/')
            {
                end++;
            }

            return end;
        }

        // What is left starts with a space.
        var spaceEnd = start + 1;
        while (spaceEnd < text.Length && (Classify(text[spaceEnd]) & Space) != 0)
        {
            spaceEnd++;
        }

        // A5: \s* gives back spaces until [\r\n]+ can match: the piece ends after the run's last \r or \n.
        for (var i = spaceEnd - 1; i >= start; i--)
        {
            if (text[i] is '\r' or '\n')
            {
                return i + 1;
            }
        }

        // A6: the run up to the end of the text, or all but its last space (which then starts the next piece).
        if (spaceEnd == text.Length)
        {
            return spaceEnd;
        }

        if (spaceEnd - 1 > start)
        {
            return spaceEnd - 1;
        }

        // A7: a single space before something else.
        return spaceEnd;
    }

    /// <summary>U*L+ from <paramref name="start"/>: the end of the match, or -1.</summary>
    private static int MatchUpperStarLowerPlus(ReadOnlySpan<char> text, int start)
    {
        var end = start;
        var lastLower = -1;
        while (end < text.Length && Classify(text[end]) is var c && (c & Upper) != 0)
        {
            if ((c & Lower) != 0)
            {
                lastLower = end;
            }

            end++;
        }

        if (end < text.Length && (Classify(text[end]) & Lower) != 0)
        {
            end++;
            while (end < text.Length && (Classify(text[end]) & Lower) != 0)
            {
                end++;
            }

            return end;
        }

        // U* gives back code units until L+ can take one: the last lower-class unit of the run, alone
        // (the unit after it is upper only, or the run's end).
        return lastLower >= 0 ? lastLower + 1 : -1;
    }

    /// <summary>U+L* from <paramref name="start"/>, whose first unit is known to be upper-class.</summary>
    private static int MatchUpperPlusLowerStar(ReadOnlySpan<char> text, int start)
    {
        var end = start + 1;
        while (end < text.Length && (Classify(text[end]) & Upper) != 0)
        {
            end++;
        }

        while (end < text.Length && (Classify(text[end]) & Lower) != 0)
        {
            end++;
        }

        return end;
    }

    /// <summary>The optional <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)</c> after a letter run ending at <paramref name="end"/>.</summary>
    private static int Contraction(ReadOnlySpan<char> text, int end)
    {
        if (end + 1 >= text.Length || text[end] != '\'')
        {
            return end;
        }

        // Under RegexOptions.None these letters match only their ASCII upper and lower case.
        var a = (char)(text[end + 1] | 0x20);
        if (a is 's' or 't' or 'm' or 'd')
        {
            return end + 2;
        }

        if (end + 2 < text.Length)
        {
            var b = (char)(text[end + 2] | 0x20);
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
            {
                return end + 3;
            }
        }

        return end;
    }

    // [^\r\n\p{L}\p{N}]
    private static bool IsPrefix(char c, int classes) => (classes & (Letter | Number)) == 0 && c is not '\r' and not '\n';

    // [^\s\p{L}\p{N}]
    private static bool IsSymbol(int classes) => (classes & (Space | Letter | Number)) == 0;

    private static int Classify(char c) => c < 0x80 ? AsciiClasses[c] : ClassifyUnicode(c);

    private static int ClassifyUnicode(char c)
    {
        var classes = char.IsWhiteSpace(c) ? Space : 0;
        return classes | CharUnicodeInfo.GetUnicodeCategory(c) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter => Upper | Letter,
            UnicodeCategory.LowercaseLetter => Lower | Letter,
            UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Upper | Lower | Letter,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => Upper | Lower,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Number,
            _ => 0,
        };
    }

    private static byte[] BuildAsciiClasses()
    {
        var classes = new byte[0x80];
        for (var c = 0; c < classes.Length; c++)
        {
            classes[c] = (byte)ClassifyUnicode((char)c);
        }

        return classes;
    }
}
