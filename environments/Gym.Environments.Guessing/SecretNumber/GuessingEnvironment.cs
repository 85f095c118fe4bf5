using System.Globalization;
using System.Text.Json;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Rewards;
using Gym.Core.Seeding;
using Gym.Core.Tools;

namespace Gym.Environments.Guessing.SecretNumber;

/// <summary>
/// Guess the number: a secret whole number in [1, max] drawn from the seed, a <c>hint</c> tool that
/// answers higher/lower/correct, and the number as the answer. Process rewards: format validity and
/// tool-call validity per turn; outcome: numeric match of the answer. Every task carries its
/// <see cref="ExpertPlan"/>, a binary search, which <see cref="Gym.Core.Policies.PlanExpert"/> follows.
/// </summary>
public sealed class GuessingEnvironment(string id, SecretNumberOptions options) : ToolEnvironment(id, options.Settings)
{
    /// <summary>Name of the outcome component.</summary>
    public const string OutcomeComponent = "numeric_match";

    private static readonly string[] Hosts = ["Ada", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana"];

    /// <summary>The task knobs.</summary>
    public SecretNumberOptions Options { get; } = options;

    /// <summary>The secret of the episode with <paramref name="seed"/> for range [1, <paramref name="max"/>].</summary>
    public static long Secret(long seed, int max) => SeededRandom.ForStream(seed, "guessing/secret").NextInt64(1, (long)max + 1);

    /// <inheritdoc />
    protected override EpisodeTask CreateTask(long seed) =>
        new GuessingTask(Secret(seed, Options.Max), Options.Max, SeededRandom.ForStream(seed, "guessing/host").Pick(Hosts));

    /// <summary>The binary search the expert follows: the guesses and their true answers, until the secret is known.</summary>
    public static IReadOnlyList<(long Guess, string Answer)> BinarySearch(long secret, int max)
    {
        var steps = new List<(long, string)>();
        long low = 1, high = max;
        while (low < high)
        {
            var guess = low + ((high - low) / 2);
            var answer = HintTool.Answer(secret, guess);
            steps.Add((guess, answer));
            if (answer == HintTool.Correct)
            {
                break;
            }

            (low, high) = answer == HintTool.Higher ? (guess + 1, high) : (low, guess - 1);
        }

        return steps;
    }
}

/// <summary>One guessing episode's task; <see cref="WithNoise"/> makes a copy whose hints are unreliable.</summary>
public sealed class GuessingTask : EpisodeTask
{
    private readonly string _host;
    private readonly double _flipRate;

    /// <summary>Creates a task with reliable hints.</summary>
    public GuessingTask(long secret, int max, string host)
        : this(secret, max, host, null, 0)
    {
    }

    private GuessingTask(long secret, int max, string host, SeededRandom? noise, double flipRate)
    {
        Secret = secret;
        Max = max;
        _host = host;
        _flipRate = flipRate;
        Tools = [new HintTool(secret, max, noise, flipRate)];
    }

    /// <summary>The secret number.</summary>
    public long Secret { get; }

    /// <summary>The upper bound of the range.</summary>
    public int Max { get; }

    /// <summary>The same task with <c>higher</c>/<c>lower</c> swapped at <paramref name="flipRate"/>, drawn from <paramref name="noise"/>.</summary>
    public GuessingTask WithNoise(SeededRandom noise, double flipRate)
    {
        ArgumentNullException.ThrowIfNull(noise);
        return new GuessingTask(Secret, Max, _host, noise, flipRate);
    }

    /// <inheritdoc />
    public override string Prompt
    {
        get
        {
            var prompt = string.Create(CultureInfo.InvariantCulture, $"{_host} is thinking of a whole number between 1 and {Max}. Call the hint tool with a guess: it answers higher (the number is higher than your guess), lower, or correct. Find the number with as few hints as you can, then answer with the number only.");
            return _flipRate > 0
                ? prompt + string.Create(CultureInfo.InvariantCulture, $" Careful: each hint swaps higher and lower with probability {_flipRate:0.###}.")
                : prompt;
        }
    }

    /// <inheritdoc />
    public override IReadOnlyList<ITool> Tools { get; }

    /// <inheritdoc />
    public override StepInfo Info
    {
        get
        {
            var info = StepInfo.Empty.With("max", Max).With("bits", SecretNumberOptions.Bits(Max));
            return _flipRate > 0 ? info.With("flip_rate", _flipRate) : info;
        }
    }

    /// <inheritdoc />
    /// <remarks>Planned results are the true answers: after a flipped hint the expert sees an unexpected result and asks again.</remarks>
    public override ExpertPlan Plan
    {
        get
        {
            var steps = GuessingEnvironment.BinarySearch(Secret, Max);
            var calls = steps.Select((s, i) => new PlannedCall(
                new ToolCall(HintTool.ToolName, JsonSerializer.SerializeToElement(new Dictionary<string, long> { [HintTool.GuessArgument] = s.Guess })),
                s.Answer,
                string.Create(CultureInfo.InvariantCulture, $"Hint {i + 1}: try the middle, {s.Guess}.")));
            var wrong = steps.Select(s => s.Guess).Where(g => g != Secret).Distinct().Select(N).ToList();
            if (wrong.Count == 0)
            {
                wrong.Add(N(Secret == Max ? Secret - 1 : Secret + 1));
            }

            return new ExpertPlan([new PlanStage([.. calls], Expected) { WrongAnswers = wrong }]);
        }
    }

    /// <inheritdoc />
    public override AnswerScore ScoreAnswer(string answer)
    {
        var correct = NumericMatch.Matches(answer, Secret, relative: 0, absolute: 0);
        return new AnswerScore([new RewardTerm(GuessingEnvironment.OutcomeComponent, RewardKind.Outcome, correct ? 1 : 0, 1)], correct, Expected);
    }

    /// <inheritdoc />
    public override IReadOnlyList<RewardTerm> NoAnswerOutcome() => [new RewardTerm(GuessingEnvironment.OutcomeComponent, RewardKind.Outcome, 0, 1)];

    private string Expected => N(Secret);

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
