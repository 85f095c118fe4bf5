namespace Gym.Environments.ToolUse.Calculator;

internal enum TokenKind
{
    Number,
    Identifier,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    LeftParen,
    RightParen,
    Comma,
    End,

    // A lexical error; it is always the last token so the parser reports it only if nothing earlier is wrong.
    Invalid,
}

// Text is the token's source text, for messages; Number is set on Number tokens, Error on the Invalid token.
internal readonly record struct Token(TokenKind Kind, int Column, string Text, decimal Number = 0m, CalculatorError? Error = null)
{
    public string Describe() => Kind == TokenKind.End ? "the end of the expression" : $"'{Text}'";
}
