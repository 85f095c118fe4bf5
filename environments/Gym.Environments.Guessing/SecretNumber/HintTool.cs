using System.Globalization;
using System.Text.Json;
using Gym.Core.Seeding;
using Gym.Core.Tools;

namespace Gym.Environments.Guessing.SecretNumber;

/// <summary>
/// The <c>hint</c> tool of one episode: compares a guess with the secret and answers <c>higher</c>
/// (the secret is higher than the guess), <c>lower</c> or <c>correct</c>. Every answer also carries
/// structured data (<see cref="HintData"/>) in <see cref="ToolResult.Data"/>, recorded with the
/// trajectory, which the guessing state reads. With a noise source, <c>higher</c> and <c>lower</c>
/// are swapped at a seeded rate (<c>correct</c> never is).
/// </summary>
public sealed class HintTool : ITool
{
    /// <summary>The tool name agents call.</summary>
    public const string ToolName = "hint";

    /// <summary>The argument holding the guess.</summary>
    public const string GuessArgument = "guess";

    /// <summary>The answer when the secret is higher than the guess.</summary>
    public const string Higher = "higher";

    /// <summary>The answer when the secret is lower than the guess.</summary>
    public const string Lower = "lower";

    /// <summary>The answer when the guess is the secret.</summary>
    public const string Correct = "correct";

    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "guess": { "type": "integer", "description": "A whole number within the range the task states." }
          },
          "required": ["guess"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    private readonly long _secret;
    private readonly int _max;
    private readonly SeededRandom? _noise;
    private readonly double _flipRate;

    /// <summary>Creates the tool for one episode; <paramref name="noise"/> (with <paramref name="flipRate"/>) makes hints unreliable.</summary>
    public HintTool(long secret, int max, SeededRandom? noise = null, double flipRate = 0)
    {
        _secret = secret;
        _max = max;
        _noise = noise;
        _flipRate = flipRate;
    }

    /// <inheritdoc />
    public string Name => ToolName;

    /// <inheritdoc />
    public string Description => "Compares a guess with the secret number: answers higher (the secret is higher), lower, or correct.";

    /// <inheritdoc />
    public JsonElement ParametersSchema => Schema;

    /// <inheritdoc />
    public bool RunsInline => true;

    /// <inheritdoc />
    public ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        var guess = arguments.GetProperty(GuessArgument).GetInt64();
        if (guess < 1 || guess > _max)
        {
            return ValueTask.FromResult(ToolResult.Fail(string.Create(CultureInfo.InvariantCulture, $"the guess must be between 1 and {_max} (got {guess})")));
        }

        var truth = Answer(_secret, guess);
        // One draw per answered hint, so the noise of a call depends only on the seed and how many hints came before it.
        var flipped = _noise is not null && _noise.Chance(_flipRate) && truth != Correct;
        var answer = flipped ? (truth == Higher ? Lower : Higher) : truth;
        var data = JsonSerializer.SerializeToElement(new HintData(guess, answer, _max, flipped), HintData.Json);
        return ValueTask.FromResult(ToolResult.Ok(answer) with { Data = data });
    }

    /// <summary>The true answer for <paramref name="guess"/>.</summary>
    public static string Answer(long secret, long guess) => guess == secret ? Correct : secret > guess ? Higher : Lower;
}

/// <summary>The structured data of one answered hint.</summary>
/// <param name="Guess">The guess.</param>
/// <param name="Answer">The answer given (after any noise).</param>
/// <param name="Max">The upper bound of the range, [1, Max].</param>
/// <param name="Flipped">Whether noise swapped <c>higher</c> and <c>lower</c>.</param>
public sealed record HintData(long Guess, string Answer, int Max, bool Flipped)
{
    /// <summary>How the data is written: snake_case keys.</summary>
    public static JsonSerializerOptions Json { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The hint data of an invocation, or null when it is not an answered hint.</summary>
    public static HintData? Of(ToolInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        if (invocation.Call.Name != HintTool.ToolName || invocation.Result.IsError || invocation.Result.Data is not { ValueKind: JsonValueKind.Object } data)
        {
            return null;
        }

        try
        {
            return data.Deserialize<HintData>(Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
