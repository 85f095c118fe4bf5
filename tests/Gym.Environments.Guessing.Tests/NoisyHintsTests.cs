using FluentAssertions;
using Gym.Core;
using Gym.Core.Composition;
using Gym.Core.Episodes;
using Gym.Core.Registry;
using Gym.Core.Rewards;
using Gym.Environments.Guessing.Operators;
using Gym.Environments.Guessing.SecretNumber;
using Gym.Core.Tools;
using Xunit;

namespace Gym.Environments.Guessing.Tests;

public sealed class NoisyHintsTests
{
    private static GuessingEnvironment Plain(int max = 100) =>
        new(GuessingEnvironments.SecretNumber, SecretNumberOptions.From(EnvironmentParameters.Parse([$"max={max}"])));

    /// <summary>Asks the task's hint tool every guess in [1, max] once, in order.</summary>
    private static async Task<List<HintData>> AskAll(EpisodeTask task, int max)
    {
        var hints = new List<HintData>();
        var tool = task.Tools.Single(t => t.Name == HintTool.ToolName);
        for (var guess = 1; guess <= max; guess++)
        {
            var call = new ToolCall(HintTool.ToolName, System.Text.Json.JsonSerializer.SerializeToElement(new { guess }));
            var result = await tool.InvokeAsync(call.Arguments, CancellationToken.None);
            hints.Add(HintData.Of(new ToolInvocation(call, result))!);
        }

        return hints;
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    public async Task Hints_are_flipped_at_the_flip_rate(double rate)
    {
        var source = new NoisyHints(Plain(), rate);
        var flipped = 0;
        var answered = 0;
        for (var seed = 0; seed < 60; seed++)
        {
            var task = (GuessingTask)source.CreateTask(seed);
            foreach (var hint in await AskAll(task, 100))
            {
                var truth = HintTool.Answer(task.Secret, hint.Guess);
                (hint.Answer != truth).Should().Be(hint.Flipped);
                if (truth != HintTool.Correct)
                {
                    answered++;
                    flipped += hint.Flipped ? 1 : 0;
                }
                else
                {
                    hint.Flipped.Should().BeFalse("correct is never flipped");
                }
            }
        }

        answered.Should().Be(60 * 99);
        ((double)flipped / answered).Should().BeApproximately(rate, 0.025, $"{flipped} of {answered} hints were flipped");
    }

    [Fact]
    public async Task The_flips_are_a_function_of_the_seed()
    {
        var source = new NoisyHints(Plain(), 0.5);

        var first = await AskAll(source.CreateTask(7), 100);
        var again = await AskAll(new NoisyHints(Plain(), 0.5).CreateTask(7), 100);
        var other = await AskAll(source.CreateTask(8), 100);

        again.Should().Equal(first);
        other.Select(h => h.Flipped).Should().NotEqual(first.Select(h => h.Flipped));
    }

    [Fact]
    public async Task Rate_zero_never_flips_rate_one_always_does_and_the_prompt_warns()
    {
        var none = await AskAll(new NoisyHints(Plain(), 0).CreateTask(3), 100);
        var all = await AskAll(new NoisyHints(Plain(), 1).CreateTask(3), 100);
        var secret = GuessingEnvironment.Secret(3, 100);

        none.Should().OnlyContain(h => !h.Flipped && h.Answer == HintTool.Answer(secret, h.Guess));
        all.Where(h => h.Guess != secret).Should().OnlyContain(h => h.Flipped);
        new NoisyHints(Plain(), 0.25).CreateTask(3).Prompt.Should().EndWith("swaps higher and lower with probability 0.25.");
        ((ITaskSource)Plain()).CreateTask(3).Prompt.Should().NotContain("probability");
    }

    [Fact]
    public async Task The_expert_still_solves_noisy_tasks_by_asking_again()
    {
        var source = new NoisyHints(Plain(), 0.2);
        var environment = new TaskSourceEnvironment("guessing/noisy-test", source, source.Settings with { MaxTurns = 30 });
        var expert = new Gym.Core.Policies.PlanExpert(source, new Gym.Core.Policies.ExpertSettings());
        var successes = 0;
        var extraHints = 0;
        for (var seed = 0; seed < 100; seed++)
        {
            var record = await Gym.Core.Trajectories.EpisodeRunner.RunAsync(environment, expert, seed, seed);
            successes += record.Success ? 1 : 0;
            var task = (GuessingTask)source.CreateTask(seed);
            extraHints += record.Turns.Sum(t => t.ToolCalls.Count) - task.Plan.Stages[0].Calls.Count;
        }

        successes.Should().Be(100);
        extraHints.Should().BePositive("every flipped hint is asked again");
    }

    [Fact]
    public void Applied_to_a_task_without_a_hint_tool_it_is_a_user_error()
    {
        var other = new NotGuessing();
        var wrap = () => new NoisyHints(other, 0.1).CreateTask(1);

        wrap.Should().Throw<GuessingOperatorException>().Which.Should().BeAssignableTo<IUserError>();
        var outOfRange = () => new NoisyHints(Plain(), 1.5);
        outOfRange.Should().Throw<ArgumentOutOfRangeException>();
    }

    private sealed class NotGuessing : ITaskSource
    {
        public ToolEnvironmentSettings Settings { get; } = new();

        public EpisodeTask CreateTask(long seed) => new Empty();

        private sealed class Empty : EpisodeTask
        {
            public override string Prompt => "nothing";

            public override IReadOnlyList<ITool> Tools => [];

            public override AnswerScore ScoreAnswer(string answer) => new([], false, "");

            public override IReadOnlyList<Gym.Core.Rewards.RewardTerm> NoAnswerOutcome() => [];
        }
    }
}
