using System.Globalization;

namespace Gym.Core.Context;

/// <summary>Which context (memory) policy decides what the agent sees each turn.</summary>
public enum MemoryMode
{
    /// <summary>The whole history: prompt, every action, every observation.</summary>
    Full,

    /// <summary>
    /// MEM1 consolidation: the task prompt, then only the latest action (whose <c>&lt;think&gt;</c>
    /// carries the agent's internal state) and the latest observation.
    /// </summary>
    Mem1,

    /// <summary>The prompt and the last <see cref="MemorySpec.Window"/> turns.</summary>
    Window,

    /// <summary>The whole history with <c>&lt;think&gt;</c> blocks removed from every action but the latest.</summary>
    StripThink,
}

/// <summary>
/// A memory mode and its argument, as written on the command line or in a scenario:
/// <c>full</c>, <c>mem1</c>, <c>window:K</c> (K ≥ 1) or <c>strip-think</c>. The default value is
/// <c>full</c>, so a plan that says nothing keeps the whole history.
/// </summary>
/// <param name="Mode">The mode.</param>
/// <param name="Window">For <see cref="MemoryMode.Window"/>, how many recent turns to keep (at least 1); 0 otherwise.</param>
public readonly record struct MemorySpec(MemoryMode Mode = MemoryMode.Full, int Window = 0)
{
    /// <summary>What <see cref="Parse"/> accepts, for help texts and error messages.</summary>
    public const string Syntax = "full | mem1 | window:K (K >= 1) | strip-think";

    /// <summary>The whole history.</summary>
    public static MemorySpec Full => new(MemoryMode.Full);

    /// <summary>MEM1 consolidation.</summary>
    public static MemorySpec Mem1 => new(MemoryMode.Mem1);

    /// <summary>The whole history without old <c>&lt;think&gt;</c> blocks.</summary>
    public static MemorySpec StripThink => new(MemoryMode.StripThink);

    /// <summary>The prompt and the last <paramref name="turns"/> turns.</summary>
    public static MemorySpec ForWindow(int turns)
    {
        var spec = new MemorySpec(MemoryMode.Window, turns);
        spec.Validate();
        return spec;
    }

    /// <summary>
    /// Parses <c>full</c>, <c>mem1</c>, <c>window:K</c> or <c>strip-think</c> (case-insensitive,
    /// surrounding blanks ignored). Throws <see cref="ArgumentException"/> with the accepted forms
    /// when the text is none of them.
    /// </summary>
    public static MemorySpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        var name = (colon < 0 ? trimmed : trimmed[..colon]).Trim().ToLowerInvariant();
        var argument = colon < 0 ? null : trimmed[(colon + 1)..].Trim();
        MemorySpec spec;
        switch (name)
        {
            case "full" when argument is null:
                spec = Full;
                break;
            case "mem1" when argument is null:
                spec = Mem1;
                break;
            case "strip-think" when argument is null:
                spec = StripThink;
                break;
            case "window" when argument is null:
                throw new ArgumentException($"memory mode 'window' needs a size: window:K with K >= 1 (e.g. window:3)");
            case "window":
                if (!int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var turns))
                {
                    throw new ArgumentException($"memory mode '{trimmed}': the window size must be a whole number >= 1 (got '{argument}')");
                }

                spec = new MemorySpec(MemoryMode.Window, turns);
                break;
            case "full" or "mem1" or "strip-think":
                throw new ArgumentException($"memory mode '{name}' takes no argument (got '{trimmed}'); expected {Syntax}");
            default:
                throw new ArgumentException($"unknown memory mode '{trimmed}': expected {Syntax}");
        }

        spec.Validate();
        return spec;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when the window size does not fit the mode.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentException($"unknown memory mode {(int)Mode}: expected {Syntax}");
        }

        if (Mode == MemoryMode.Window && Window < 1)
        {
            throw new ArgumentException($"memory mode window needs at least 1 turn (got {Window})");
        }

        if (Mode != MemoryMode.Window && Window != 0)
        {
            throw new ArgumentException($"only memory mode window takes a size (got {Format(Mode)} with size {Window})");
        }
    }

    /// <summary>The text <see cref="Parse"/> reads back: <c>full</c>, <c>mem1</c>, <c>window:3</c>, <c>strip-think</c>.</summary>
    public override string ToString() => Mode == MemoryMode.Window
        ? string.Create(CultureInfo.InvariantCulture, $"window:{Window}")
        : Format(Mode);

    private static string Format(MemoryMode mode) => mode switch
    {
        MemoryMode.Full => "full",
        MemoryMode.Mem1 => "mem1",
        MemoryMode.Window => "window",
        MemoryMode.StripThink => "strip-think",
        _ => ((int)mode).ToString(CultureInfo.InvariantCulture),
    };
}
