using FluentAssertions;
using Gym.Core.Composition;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Policies;
using Gym.Core.Rewards;
using Gym.Core.Seeding;
using Gym.Core.Tools;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Composition;

public sealed class PlanExpertTests
{
    private static AdderEnvironment Adder(ActionFormat format = ActionFormat.JsonToolCalls) => new(new ToolEnvironmentSettings(MaxTurns: 5, Format: format));

    /// <summary>Plays one episode, giving the policy either the full history or the MEM1 context (prompt, latest action, latest observation).</summary>
    private static async Task<(List<string> Actions, StepResult Last)> PlayAsync(IEnvironment environment, PlanExpert policy, long seed, bool mem1)
    {
        var reset = await environment.ResetAsync(seed);
        var history = new List<ChatMessage>(reset.Observation);
        IReadOnlyList<ChatMessage> latest = reset.Observation;
        var actions = new List<string>();
        StepResult? step = null;
        while (step is not { IsDone: true })
        {
            var action = (await policy.ActAsync([new PolicyRequest("e", seed, actions.Count, mem1 ? latest : [.. history])], CancellationToken.None))[0];
            step = await environment.StepAsync(action);
            actions.Add(action.Text);
            history.Add(ChatMessage.Assistant(action.Text));
            history.AddRange(step.Observation);
            latest = [.. reset.Observation, ChatMessage.Assistant(action.Text), .. step.Observation];
        }

        return (actions, step);
    }

    [Theory]
    [InlineData(ActionFormat.JsonToolCalls, false)]
    [InlineData(ActionFormat.JsonToolCalls, true)]
    [InlineData(ActionFormat.XmlTags, false)]
    [InlineData(ActionFormat.XmlTags, true)]
    public async Task It_solves_single_sequence_and_multi_objective_tasks_with_full_or_MEM1_context(ActionFormat format, bool mem1)
    {
        IEnvironment[] environments =
        [
            Adder(format),
            Compose.Sequence(Adder(format), Adder(format), Adder(format)),
            Compose.MultiObjective(Adder(format), 4),
        ];

        foreach (var environment in environments)
        {
            var expert = new PlanExpert((ITaskSource)environment, new ExpertSettings());
            for (var seed = 0; seed < 30; seed++)
            {
                var (actions, last) = await PlayAsync(environment, expert, seed, mem1);
                last.Info.Get(StepInfo.IsSuccess, false).Should().BeTrue($"{environment.Id}, seed {seed}: {string.Join(" | ", actions)}");
                actions.Should().HaveCount(((ITaskSource)environment).CreateTask(seed).Plan!.StepCount);
            }
        }
    }

    [Fact]
    public async Task It_writes_its_state_first_in_every_think_block()
    {
        var environment = Compose.Sequence(Adder(), Adder());
        var expert = new PlanExpert(environment, new ExpertSettings());

        var (actions, _) = await PlayAsync(environment, expert, 1, mem1: true);

        actions.Select(a => a[..a.IndexOf(']', StringComparison.Ordinal)]).Should().Equal(
            "<think>[plan 0/6", "<think>[plan 1/6", "<think>[plan 2/6", "<think>[plan 3/6", "<think>[plan 4/6", "<think>[plan 5/6");
        actions[2].Should().Be("<think>[plan 2/6] All 2 steps are done; the answer is " + AdderEnvironment.Numbers(SeededRandomDerive(1, 0)).Sum() + ".</think>\n<answer>" + AdderEnvironment.Numbers(SeededRandomDerive(1, 0)).Sum() + "</answer>");
    }

    [Fact]
    public async Task At_error_rate_one_every_action_is_a_mistake_and_episodes_still_end()
    {
        var environment = Compose.Sequence(Adder(), Adder());
        var expert = new PlanExpert(environment, new ExpertSettings(1.0));

        for (var seed = 0; seed < 30; seed++)
        {
            var (actions, last) = await PlayAsync(environment, expert, seed, mem1: true);
            last.IsDone.Should().BeTrue();
            last.Info.Get(StepInfo.IsSuccess, false).Should().BeFalse();
            actions.Should().OnlyContain(a => a.StartsWith("<think>[plan ", StringComparison.Ordinal));
        }

        expert.Id.Should().Be("expert:1");
    }

    [Fact]
    public void Wrong_arguments_change_one_number_of_the_call()
    {
        var environment = Adder();
        var plan = ((ITaskSource)environment).CreateTask(4).Plan!;
        var expert = new PlanExpert(environment, new ExpertSettings(1.0));
        var parser = new JsonToolCallActionParser();

        var wrong = Enumerable.Range(0, 200)
            .Select(turn => parser.Parse(expert.Act(new PolicyRequest("e", 4, turn, [])).Text))
            .Where(p => p.IsValid && !p.IsAnswer)
            .Select(p => p.ToolCalls[0].Arguments)
            .ToList();

        wrong.Should().NotBeEmpty();
        var planned = plan.Calls[0].Call.Arguments;
        wrong.Should().OnlyContain(a => a.GetProperty("a").GetInt64() == planned.GetProperty("a").GetInt64()
            && a.GetProperty("b").GetInt64() - planned.GetProperty("b").GetInt64() >= 1
            && a.GetProperty("b").GetInt64() - planned.GetProperty("b").GetInt64() <= 9);
    }

    [Fact]
    public void A_task_without_a_plan_cannot_be_played_and_bad_rates_are_refused()
    {
        var expert = new PlanExpert(new SecretNumberEnvironment(new ToolEnvironmentSettings()), new ExpertSettings());

        FluentActions.Invoking(() => expert.Act(new PolicyRequest("e", 1, 0, []))).Should().Throw<InvalidOperationException>().WithMessage("*no expert plan*");
        FluentActions.Invoking(() => new PlanExpert(Adder(), new ExpertSettings(1.5))).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void A_plan_locates_steps_across_stages()
    {
        var call = new PlannedCall(new ToolCall("t", default), "1", "n");
        var plan = new ExpertPlan([new PlanStage([call, call], "a"), new PlanStage([], "b"), new PlanStage([call], "c")]);

        plan.StepCount.Should().Be(6);
        plan.Calls.Should().HaveCount(3);
        plan.Answer.Should().Be("c");
        Enumerable.Range(0, 6).Select(plan.Locate).Should().Equal((0, 0), (0, 1), (0, 2), (1, 0), (2, 0), (2, 1));
        Enumerable.Range(0, 4).Select(plan.StageStart).Should().Equal(0, 3, 4, 6);
        FluentActions.Invoking(() => plan.Locate(6)).Should().Throw<ArgumentOutOfRangeException>();
    }

    private static long SeededRandomDerive(long seed, int part) => SeededRandom.Derive(seed, "part", part);
}

internal static class TupleSums
{
    public static long Sum(this (long X, long Y, long Z) n) => n.X + n.Y + n.Z;
}
