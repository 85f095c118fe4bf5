using System.Globalization;
using FluentAssertions;
using Gym.Core;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.Guessing.SecretNumber;
using Xunit;

namespace Gym.Environments.Guessing.Tests;

public sealed class GuessingEnvironmentTests
{
    private static readonly EnvironmentRegistry Registry = new EnvironmentRegistry().AddGuessing();

    private static IEnvironment Make(params string[] parameters) => Registry.Make(GuessingEnvironments.SecretNumber, EnvironmentParameters.Parse(parameters));

    private static IPolicy Expert(double rate = 0, params string[] parameters) =>
        Registry.Get(GuessingEnvironments.SecretNumber).CreateExpert!(EnvironmentParameters.Parse(parameters), new ExpertSettings(ErrorRate: rate));

    private static string Hint(long guess) => $"<tool_call>{{\"name\": \"hint\", \"arguments\": {{\"guess\": {guess}}}}}</tool_call>";

    [Fact]
    public async Task The_hint_tool_answers_higher_lower_and_correct_against_the_seeded_secret()
    {
        const long seed = 5;
        var secret = GuessingEnvironment.Secret(seed, 100);
        var environment = Make();
        await environment.ResetAsync(seed);

        var low = await environment.StepAsync(Hint(secret - 1 >= 1 ? secret - 1 : secret + 1));
        var exact = await environment.StepAsync(Hint(secret));
        var outside = await environment.StepAsync(Hint(101));

        low.Observation[0].Content.Should().Be(secret > 1 ? "higher" : "lower");
        exact.Observation[0].Content.Should().Be("correct");
        outside.Observation[0].Content.Should().StartWith("Error: the guess must be between 1 and 100");
        low.ToolCalls[0].Result.Data!.Value.GetProperty("flipped").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task The_secret_stays_in_range_and_depends_on_the_seed()
    {
        var secrets = Enumerable.Range(0, 500).Select(s => GuessingEnvironment.Secret(s, 10)).ToList();

        secrets.Should().OnlyContain(s => s >= 1 && s <= 10);
        secrets.Distinct().Should().HaveCount(10);
        (await Make().ResetAsync(3)).Info.Get("max", 0).Should().Be(100);
    }

    [Fact]
    public async Task A_correct_answer_terminates_with_success_and_a_wrong_one_without()
    {
        var secret = GuessingEnvironment.Secret(9, 100);
        var right = Make();
        await right.ResetAsync(9);
        var wrong = Make();
        await wrong.ResetAsync(9);

        var good = await right.StepAsync($"<answer>{secret}</answer>");
        var bad = await wrong.StepAsync($"<answer>{(secret % 100) + 1}</answer>");

        good.Terminated.Should().BeTrue();
        good.Info.Get(StepInfo.IsSuccess, false).Should().BeTrue();
        good.Breakdown.Find(GuessingEnvironment.OutcomeComponent)!.Raw.Should().Be(1);
        bad.Terminated.Should().BeTrue();
        bad.Info.Get(StepInfo.IsSuccess, true).Should().BeFalse();
        bad.Breakdown.Find(GuessingEnvironment.OutcomeComponent)!.Raw.Should().Be(0);
    }

    [Fact]
    public void Unknown_or_out_of_range_parameters_are_user_errors()
    {
        var unknown = () => Make("maxx=10");
        var tooSmall = () => Make("max=1");

        unknown.Should().Throw<EnvironmentParameterException>().WithMessage("*maxx*");
        tooSmall.Should().Throw<EnvironmentParameterException>().WithMessage("*max*");
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(100, 7)]
    [InlineData(128, 7)]
    [InlineData(129, 8)]
    [InlineData(1_000_000_000, 30)]
    public void Bits_is_ceil_log2_of_max(int max, int bits) => SecretNumberOptions.Bits(max).Should().Be(bits);

    [Theory]
    [InlineData(100)]
    [InlineData(7)]
    [InlineData(1_000_000_000)]
    public void The_binary_search_plan_finds_every_secret_within_ceil_log2_max_hints(int max)
    {
        var secrets = max <= 100 ? Enumerable.Range(1, max).Select(i => (long)i) : Enumerable.Range(0, 200).Select(s => GuessingEnvironment.Secret(s, max));
        foreach (var secret in secrets)
        {
            var steps = GuessingEnvironment.BinarySearch(secret, max);
            steps.Count.Should().BeLessThanOrEqualTo(SecretNumberOptions.Bits(max));
            var task = new GuessingTask(secret, max, "Ada");
            task.Plan.Answer.Should().Be(secret.ToString(CultureInfo.InvariantCulture));
            task.Plan.Stages[0].WrongAnswers.Should().NotContain(task.Plan.Answer).And.NotBeEmpty();
        }
    }

    [Fact]
    public async Task The_expert_solves_200_seeds_with_at_most_ceil_log2_max_hints()
    {
        var expert = Expert();
        for (var seed = 0; seed < 200; seed++)
        {
            var record = await EpisodeRunner.RunAsync(Make(), expert, seed, seed);

            record.Success.Should().BeTrue($"seed {seed}");
            record.Turns.Sum(t => t.ToolCalls.Count).Should().BeLessThanOrEqualTo(7, $"seed {seed}: binary search over [1, 100]");
        }
    }

    [Fact]
    public async Task The_expert_with_mistakes_mostly_succeeds_and_is_deterministic()
    {
        var successes = 0;
        for (var seed = 0; seed < 100; seed++)
        {
            var first = await EpisodeRunner.RunAsync(Make(), Expert(0.2), seed, seed);
            var second = await EpisodeRunner.RunAsync(Make(), Expert(0.2), seed, seed);
            TrajectoryJson.Serialize(second).Should().Be(TrajectoryJson.Serialize(first));
            successes += first.Success ? 1 : 0;
        }

        successes.Should().BeInRange(50, 99, "a 20% mistake rate loses some episodes to wrong answers but not most");
        Expert(0.2).Id.Should().Be("expert:0.2");
    }
}
