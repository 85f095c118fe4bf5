using System.Text.RegularExpressions;

namespace Gym.Core.Context;

/// <summary>Removes <c>&lt;think&gt;…&lt;/think&gt;</c> blocks from an action, as strip-think contexts show old actions.</summary>
public static partial class ThinkBlocks
{
    // Tag names are case-insensitive, as the action parsers read them. The blanks after a block go
    // with it (as chat templates that drop old reasoning do), so "<think>…</think>\n<answer>" becomes
    // "<answer>", not "\n<answer>". An unclosed <think> is left alone: there is no block to remove.
    [GeneratedRegex(@"<think\s*>.*?</think\s*>\s*", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Block();

    /// <summary>
    /// The text without its closed think blocks and the blanks that follow each. Returns the same
    /// string instance when there is nothing to remove.
    /// </summary>
    public static string Strip(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.IndexOf("<think", StringComparison.OrdinalIgnoreCase) < 0)
        {
            return text;
        }

        var stripped = Block().Replace(text, string.Empty);
        return stripped.Length == text.Length ? text : stripped;
    }
}
