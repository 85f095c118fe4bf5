namespace Gym.Environments.ToolUse.Calculator;

// Apply computes the function of already evaluated arguments; the int is the call's column, for errors.
internal sealed record CalculatorFunction(string Name, int MinArguments, int MaxArguments, Func<decimal[], int, decimal> Apply)
{
    public string ArityText => (MinArguments, MaxArguments) switch
    {
        (1, 1) => "exactly 1 argument",
        var (min, max) when min == max => $"exactly {min} arguments",
        (var min, int.MaxValue) => $"at least {min} arguments",
        var (min, max) => $"{min} to {max} arguments",
    };
}

internal static class CalculatorFunctions
{
    public static IReadOnlyList<CalculatorFunction> All { get; } =
    [
        new("abs", 1, 1, (args, _) => Math.Abs(args[0])),
        new("sqrt", 1, 1, (args, column) => DecimalMath.Sqrt(args[0], column)),
        new("min", 2, int.MaxValue, (args, _) => args.Min()),
        new("max", 2, int.MaxValue, (args, _) => args.Max()),
        new("round", 1, 2, (args, column) => DecimalMath.Round(args[0], args.Length > 1 ? args[1] : 0m, column)),
    ];

    public static string KnownNamesText { get; } = string.Join(", ", All.Select(function => function.Name));

    // Case-insensitive because models write SQRT and Max as often as sqrt and max.
    public static CalculatorFunction? Find(string name) =>
        All.FirstOrDefault(function => string.Equals(function.Name, name, StringComparison.OrdinalIgnoreCase));
}
