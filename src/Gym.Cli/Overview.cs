using System.CommandLine;
using System.Text;

namespace Gym.Cli;

/// <summary>
/// What <c>gym --help</c> prints: every command with a one-line summary and a usage line of its most
/// used options. The lines are drawn from the commands themselves, so a renamed option cannot go stale
/// here (rendering throws instead, and the CLI tests render it).
/// </summary>
internal static class Overview
{
    /// <summary>Per command, in this order, the options a first-time user reaches for; the rest are in <c>gym COMMAND --help</c>.</summary>
    private static readonly (string Command, string[] Options)[] MostUsed =
    [
        ("run", ["--episodes", "--policy", "--seed", "--out", "--group-size", "--param", "--concurrency", "--resume", "--format", "--cluster"]),
        ("list", []),
        ("check", ["--seeds"]),
        ("validate", []),
        ("score", ["--scenario", "--out", "--resume", "--format"]),
        ("export", ["--to", "--rows", "--out"]),
        ("render", ["--seed", "--turn", "--checkpoint", "--template", "--tokenizer", "--ids"]),
        ("sft", ["--out", "--quick", "--steps", "--episodes", "--rollouts", "--init"]),
        ("train", ["--out", "--init", "--algo", "--steps", "--group-size", "--tasks"]),
        ("serve", ["--scenario", "--port", "--host", "--api-key"]),
        ("serve-policy", ["--checkpoint", "--port", "--device"]),
        ("worker", ["--join", "--port", "--hostname"]),
    ];

    /// <summary>The overview text for <paramref name="root"/>.</summary>
    /// <exception cref="InvalidOperationException">A listed command or option does not exist, or a command is not listed.</exception>
    public static string Render(RootCommand root)
    {
        var commands = root.Subcommands.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var unlisted = commands.Keys.Except(MostUsed.Select(m => m.Command)).ToList();
        if (unlisted.Count > 0)
        {
            throw new InvalidOperationException($"gym --help does not list: {string.Join(", ", unlisted)}");
        }

        var nameWidth = MostUsed.Max(m => m.Command.Length);
        var text = new StringBuilder()
            .AppendLine(root.Description)
            .AppendLine()
            .AppendLine("Usage: gym COMMAND [ARGUMENTS] [OPTIONS]")
            .AppendLine("Every option of a command, with its default: gym COMMAND --help")
            .AppendLine()
            .AppendLine("Commands, each with its most used options:");
        foreach (var (name, options) in MostUsed)
        {
            var command = commands.TryGetValue(name, out var found) ? found : throw new InvalidOperationException($"gym --help lists an unknown command '{name}'");
            text.Append("  ").Append(name.PadRight(nameWidth + 2)).AppendLine(FirstSentence(command.Description));
            text.Append("  ").Append(new string(' ', nameWidth + 2)).AppendLine(UsageLine(command, options));
        }

        return text.ToString();
    }

    private static string UsageLine(Command command, string[] optionNames)
    {
        var parts = new List<string> { "gym", command.Name };
        parts.AddRange(command.Arguments.Where(a => !a.Hidden).Select(a => a.Arity.MinimumNumberOfValues == 0 ? $"[{a.Name}]" : $"<{a.Name}>"));
        foreach (var name in optionNames)
        {
            var option = command.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name))
                ?? throw new InvalidOperationException($"gym --help lists an unknown option '{name}' for gym {command.Name}");
            var isFlag = option.ValueType == typeof(bool);
            parts.Add(isFlag ? $"[{option.Name}]" : $"[{option.Name} {Placeholder(option)}]");
        }

        return string.Join(' ', parts);
    }

    private static string Placeholder(Option option)
    {
        if (!string.IsNullOrEmpty(option.HelpName))
        {
            return option.HelpName;
        }

        var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
        return type == typeof(int) || type == typeof(long) || type == typeof(double) ? "N" : option.Name.TrimStart('-').ToUpperInvariant().Replace('-', '_');
    }

    // The summaries are paragraphs; the overview keeps their first sentence.
    private static string FirstSentence(string? description)
    {
        if (string.IsNullOrEmpty(description))
        {
            return "";
        }

        var end = description.IndexOf(". ", StringComparison.Ordinal);
        var sentence = end < 0 ? description : description[..(end + 1)];
        return sentence.Length <= 100 ? sentence : sentence[..sentence.LastIndexOf(' ', 97)] + "...";
    }
}
