using System.Globalization;

namespace Gym.Environments.ToolUse.Calculator;

// Splits an expression into tokens. A lexical error becomes a final Invalid token instead of failing
// at once, so that the parser reports whichever problem comes first in the text.
internal static class Tokenizer
{
    private const NumberStyles NumberStyle = NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var index = 0;
        while (index < text.Length)
        {
            var c = text[index];
            if (char.IsWhiteSpace(c))
            {
                index++;
                continue;
            }

            var token = c switch
            {
                _ when char.IsAsciiDigit(c) || c == '.' => ReadNumber(text, ref index),
                _ when char.IsAsciiLetter(c) || c == '_' => ReadIdentifier(text, ref index),
                _ => ReadSymbol(text, ref index),
            };
            tokens.Add(token);
            if (token.Kind == TokenKind.Invalid)
            {
                return tokens;
            }
        }

        tokens.Add(new Token(TokenKind.End, text.Length + 1, ""));
        return tokens;
    }

    private static Token ReadSymbol(string text, ref int index)
    {
        var column = index + 1;
        var c = text[index];
        if (c == '*' && index + 1 < text.Length && text[index + 1] == '*')
        {
            index += 2;
            return new Token(TokenKind.Caret, column, "**");
        }

        TokenKind? kind = c switch
        {
            '+' => TokenKind.Plus,
            '-' or '\u2212' => TokenKind.Minus, // U+2212 MINUS SIGN, as typeset maths writes it
            '*' or '\u00D7' => TokenKind.Star, // ×
            '/' or '\u00F7' => TokenKind.Slash, // ÷
            '%' => TokenKind.Percent,
            '^' => TokenKind.Caret,
            '(' => TokenKind.LeftParen,
            ')' => TokenKind.RightParen,
            ',' => TokenKind.Comma,
            _ => null,
        };
        if (kind is { } known)
        {
            index++;
            return new Token(known, column, c.ToString());
        }

        var error = CalculatorErrors.Syntax(column, $"unexpected character {DescribeCharacter(text, index)}");
        return new Token(TokenKind.Invalid, column, c.ToString(), Error: error);
    }

    private static Token ReadIdentifier(string text, ref int index)
    {
        var start = index;
        while (index < text.Length && (char.IsAsciiLetterOrDigit(text[index]) || text[index] == '_'))
        {
            index++;
        }

        return new Token(TokenKind.Identifier, start + 1, text[start..index]);
    }

    // Digits with at most one '.', then an optional exponent ("1e3", "2.5E-4"). An 'e' that is not
    // followed by digits is left for the identifier rule, so "2e" reads as 2 followed by the name e.
    private static Token ReadNumber(string text, ref int index)
    {
        var start = index;
        var column = start + 1;
        var dots = 0;
        while (index < text.Length && (char.IsAsciiDigit(text[index]) || text[index] == '.'))
        {
            dots += text[index] == '.' ? 1 : 0;
            index++;
        }

        var mantissaHasDigit = text.AsSpan(start, index - start).ContainsAnyInRange('0', '9');
        if (mantissaHasDigit && dots <= 1 && ExponentLength(text, index) is var exponentLength and > 0)
        {
            index += exponentLength;
        }

        // Swallow the rest of a run like "1.2.3" or "1e5.5" so the message shows the whole malformed number.
        while (index < text.Length && (char.IsAsciiDigit(text[index]) || text[index] == '.'))
        {
            dots++;
            index++;
        }

        var lexeme = text[start..index];
        if (!mantissaHasDigit || dots > 1)
        {
            var error = CalculatorErrors.Syntax(column, $"malformed number '{lexeme}'");
            return new Token(TokenKind.Invalid, column, lexeme, Error: error);
        }

        // The lexeme is well formed by construction, so a failed parse can only mean it is out of range.
        if (!decimal.TryParse(lexeme, NumberStyle, CultureInfo.InvariantCulture, out var value))
        {
            return new Token(TokenKind.Invalid, column, lexeme, Error: CalculatorErrors.NumberTooLarge(lexeme, column));
        }

        return new Token(TokenKind.Number, column, lexeme, value);
    }

    private static int ExponentLength(string text, int index)
    {
        if (index >= text.Length || (text[index] != 'e' && text[index] != 'E'))
        {
            return 0;
        }

        var next = index + 1;
        if (next < text.Length && (text[next] == '+' || text[next] == '-'))
        {
            next++;
        }

        var digitsStart = next;
        while (next < text.Length && char.IsAsciiDigit(text[next]))
        {
            next++;
        }

        return next > digitsStart ? next - index : 0;
    }

    // Invisible and look-alike characters are named by code point so the agent can tell what to remove.
    private static string DescribeCharacter(string text, int index)
    {
        var c = text[index];
        if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            var codePoint = char.ConvertToUtf32(c, text[index + 1]);
            return $"'{text.Substring(index, 2)}' (U+{codePoint:X4})";
        }

        if (char.IsControl(c) || char.IsSurrogate(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format)
        {
            return $"U+{(int)c:X4}";
        }

        return c <= '\u007F' ? $"'{c}'" : $"'{c}' (U+{(int)c:X4})";
    }
}
