using System.Text.Json;
using FluentAssertions;
using Gym.Core;
using Gym.Core.Checking;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Trajectories;
using Xunit;

namespace Gym.Testing;

/// <summary>
/// The environment contract, run against every environment: each environment's test project
/// subclasses this once per registered id (and per notable parameter set) and supplies a factory.
/// Every fact here holds without an expert; an environment whose expert solves it subclasses
/// <see cref="ExpertContractTests"/> instead, which adds the expert's facts and plays the expert
/// in these too. Every fact makes its own fresh environments so one failure cannot mask another.
/// </summary>
public abstract class EnvironmentContractTests
{
    /// <summary>Seeds probed by the facts; small so the suite stays fast.</summary>
    protected static IReadOnlyList<long> Seeds { get; } = [0, 1, 2, 7, 123_456_789];

    /// <summary>Makes a fresh environment instance.</summary>
    protected abstract IEnvironment CreateEnvironment();

    /// <summary>
    /// The expert the facts here also play, when there is one. Only <see cref="ExpertContractTests"/>
    /// supplies it, so an expert given to the suite always gets the expert facts too.
    /// </summary>
    private protected virtual IPolicy? ExpertIfAny() => null;

    /// <summary><see cref="EnvironmentChecker"/> (what <c>gym check</c> runs) passes every check, with the expert when there is one.</summary>
    [Fact]
    public async Task The_environment_checker_report_passes()
    {
        var report = await EnvironmentChecker.CheckAsync(CreateEnvironment, ExpertIfAny(), Seeds);

        var failures = report.Results.Where(r => !r.Passed).Select(r => $"{r.Name}: {r.Detail}");
        report.Passed.Should().BeTrue($"every contract check should pass for {report.EnvironmentId}, but: {string.Join("; ", failures)}");
        report.Results.Should().NotBeEmpty();
        report.EnvironmentId.Should().Be(CreateEnvironment().Id);
    }

    /// <summary>A reset shows a system prompt first and the task last, with no empty message.</summary>
    [Fact]
    public async Task Reset_observation_is_a_non_empty_system_message_followed_by_a_user_message()
    {
        foreach (var seed in Seeds)
        {
            var reset = await CreateEnvironment().ResetAsync(seed);

            reset.Observation.Should().HaveCountGreaterThanOrEqualTo(2, $"seed {seed} should give a system prompt and a task");
            reset.Observation[0].Role.Should().Be(ChatRole.System);
            reset.Observation[^1].Role.Should().Be(ChatRole.User, "the task statement is the last message of the reset");
            reset.Observation.Should().OnlyContain(m => !string.IsNullOrWhiteSpace(m.Content), $"seed {seed} should have no empty message");
            reset.Info.Should().NotBeNull();
        }
    }

    /// <summary>Resets are a function of the seed alone, and the seed matters.</summary>
    [Fact]
    public async Task The_same_seed_gives_an_identical_serialized_reset_and_different_seeds_differ()
    {
        var resets = new List<string>();
        foreach (var seed in Seeds)
        {
            var first = Serialize(await CreateEnvironment().ResetAsync(seed));
            var second = Serialize(await CreateEnvironment().ResetAsync(seed));
            second.Should().Be(first, $"seed {seed} must reset identically on two instances");
            resets.Add(first);
        }

        resets.Distinct(StringComparer.Ordinal).Should().HaveCountGreaterThan(1, "different seeds should give different tasks");
    }

    /// <summary>Steps are a function of the seed and the actions alone.</summary>
    [Fact]
    public async Task The_same_seed_and_the_same_actions_give_identical_steps()
    {
        var actions = EnvironmentChecker.MalformedActions.Take(3).Append("<answer>0</answer>").ToList();
        foreach (var seed in Seeds)
        {
            var first = await PlayAsync(CreateEnvironment(), seed, actions);
            var second = await PlayAsync(CreateEnvironment(), seed, actions);
            second.Should().Equal(first, $"seed {seed} replayed with the same actions must step identically");
        }
    }

    /// <summary>A reset clears everything the previous episode left on the instance.</summary>
    [Fact]
    public async Task A_reused_instance_plays_the_same_episode_as_a_fresh_one()
    {
        var actions = EnvironmentChecker.MalformedActions.Take(2).ToList();
        var reused = CreateEnvironment();
        await PlayAsync(reused, Seeds[^1], actions);

        var again = await PlayAsync(reused, Seeds[0], actions);

        again.Should().Equal(await PlayAsync(CreateEnvironment(), Seeds[0], actions));
    }

    /// <summary>An episode ends by the task or by the turn limit, never both, and its stop reason says which (for malformed actions, and for the expert when there is one).</summary>
    [Fact]
    public async Task Terminated_and_truncated_are_never_both_set_and_stop_reasons_match_them()
    {
        var steps = new List<StepResult>();
        foreach (var seed in Seeds)
        {
            steps.AddRange(await PlayUntilDoneAsync(CreateEnvironment(), seed, turn => EnvironmentChecker.MalformedActions[turn % EnvironmentChecker.MalformedActions.Count]));
        }

        var expert = ExpertIfAny();
        if (expert is not null)
        {
            foreach (var seed in Seeds)
            {
                var record = await EpisodeRunner.RunAsync(CreateEnvironment(), expert, 0, seed);
                record.Turns.Should().NotBeEmpty();
                steps.AddRange(record.Turns.Select(t => new StepResult(t.Observation, t.Reward, t.Breakdown, t.Terminated, t.Truncated, t.StopReason, t.Info, t.ToolCalls, t.FormatError)));
            }
        }

        foreach (var step in steps)
        {
            (step.Terminated && step.Truncated).Should().BeFalse("an episode ends either by the task or by a limit, never both");
            var expected = step.Terminated ? [StopReason.Answered, StopReason.TerminalState]
                : step.Truncated ? [StopReason.MaxTurns]
                : new[] { StopReason.None };
            step.StopReason.Should().BeOneOf(expected, $"terminated={step.Terminated}, truncated={step.Truncated}");
            step.IsDone.Should().Be(step.Terminated || step.Truncated);
        }
    }

    /// <summary>Every step's reward is the weighted sum of its breakdown's terms (for malformed actions, and for the expert when there is one).</summary>
    [Fact]
    public async Task Every_step_breakdown_sums_to_its_reward()
    {
        var steps = new List<StepResult>();
        foreach (var seed in Seeds)
        {
            steps.AddRange(await PlayUntilDoneAsync(CreateEnvironment(), seed, turn => EnvironmentChecker.MalformedActions[(turn + (int)(seed % 5)) % EnvironmentChecker.MalformedActions.Count]));
        }

        var expert = ExpertIfAny();
        if (expert is not null)
        {
            foreach (var seed in Seeds)
            {
                var record = await EpisodeRunner.RunAsync(CreateEnvironment(), expert, 0, seed);
                steps.AddRange(record.Turns.Select(t => new StepResult(t.Observation, t.Reward, t.Breakdown, t.Terminated, t.Truncated, t.StopReason, t.Info, t.ToolCalls, t.FormatError)));
                record.TotalReward.Should().BeApproximately(record.Turns.Sum(t => t.Reward), 1e-9);
            }
        }

        foreach (var step in steps)
        {
            double.IsFinite(step.Reward).Should().BeTrue();
            step.Breakdown.Terms.Should().NotBeEmpty("every step should explain its reward");
            step.Reward.Should().Be(step.Breakdown.Total, "the scalar reward is the breakdown's total");
            var independent = 0.0;
            foreach (var term in step.Breakdown.Terms)
            {
                independent += term.Raw * term.Weight;
            }

            step.Reward.Should().BeApproximately(independent, 1e-12, "the reward is the sum of raw × weight over the components");
            (step.Breakdown.Process + step.Breakdown.Outcome).Should().BeApproximately(step.Reward, 1e-12);
            step.Breakdown.Terms.Select(t => t.Name).Should().OnlyHaveUniqueItems();
        }
    }

    /// <summary>Each of the checker's malformed actions is penalized and explained, never thrown on.</summary>
    [Fact]
    public async Task Malformed_actions_never_throw_and_give_a_format_error_and_a_negative_reward()
    {
        var environment = CreateEnvironment();
        foreach (var action in EnvironmentChecker.MalformedActions)
        {
            var preview = JsonSerializer.Serialize(action.Length > 40 ? action[..40] : action);
            await environment.ResetAsync(Seeds[1]);

            var step = await environment.Invoking(e => e.StepAsync(action).AsTask()).Should().NotThrowAsync($"malformed action {preview} must not throw");

            step.Subject.FormatError.Should().NotBeNullOrWhiteSpace($"malformed action {preview} should be explained");
            step.Subject.Reward.Should().BeNegative($"malformed action {preview} should be penalized");
            step.Subject.Observation.Should().NotBeEmpty($"the agent should be told what was wrong with {preview}");
            step.Subject.Terminated.Should().BeFalse($"a malformed action {preview} does not end the task");
        }
    }

    /// <summary>A step before any reset is a caller error.</summary>
    [Fact]
    public async Task Stepping_before_the_first_reset_throws_InvalidOperationException()
    {
        var environment = CreateEnvironment();

        await environment.Invoking(e => e.StepAsync("<answer>0</answer>").AsTask()).Should().ThrowAsync<InvalidOperationException>();
    }

    /// <summary>A step after the episode ended is a caller error until the next reset.</summary>
    [Fact]
    public async Task Stepping_after_the_episode_ended_throws_until_the_next_reset()
    {
        var environment = CreateEnvironment();
        await environment.ResetAsync(Seeds[0]);
        var steps = await PlayUntilDoneAsync(environment, null, _ => "no tags at all");
        steps[^1].IsDone.Should().BeTrue();

        await environment.Invoking(e => e.StepAsync("no tags at all").AsTask()).Should().ThrowAsync<InvalidOperationException>();
        await environment.Invoking(e => e.StepAsync("<answer>0</answer>").AsTask()).Should().ThrowAsync<InvalidOperationException>();

        await environment.ResetAsync(Seeds[0]);
        var afterReset = await environment.StepAsync("no tags at all");
        afterReset.IsDone.Should().Be(environment.MaxTurns == 1, "a reset starts a new episode");
    }

    /// <summary>Only the turn limit ends an episode of malformed actions, at exactly the limit.</summary>
    [Fact]
    public async Task Malformed_actions_are_truncated_at_exactly_max_turns()
    {
        var environment = CreateEnvironment();
        environment.MaxTurns.Should().BePositive();
        await environment.ResetAsync(Seeds[2]);

        var steps = await PlayUntilDoneAsync(environment, null, _ => "no tags at all");

        steps.Should().HaveCount(environment.MaxTurns, "only the turn limit may end an episode of malformed actions");
        steps.Take(environment.MaxTurns - 1).Where(s => s.IsDone || s.StopReason != StopReason.None).Should().BeEmpty("no turn before the limit ends the episode");
        var last = steps[^1];
        last.Truncated.Should().BeTrue();
        last.Terminated.Should().BeFalse("running out of turns is not a terminal state of the task");
        last.StopReason.Should().Be(StopReason.MaxTurns);
        last.Info.Get(StepInfo.IsSuccess, true).Should().BeFalse("an episode cut off without an answer is not a success");
    }

    /// <summary>
    /// Whether a disposed instance refuses reset and step with <see cref="ObjectDisposedException"/>.
    /// Every library environment does; an environment that holds nothing and keeps
    /// <see cref="IEnvironment"/>'s default, empty dispose overrides this with false, and is then
    /// only held to disposal being safe.
    /// </summary>
    protected virtual bool RefusesUseAfterDispose => true;

    /// <summary>Disposal is idempotent: before any reset, mid-episode and after an ended episode, twice in a row.</summary>
    [Fact]
    public async Task Disposing_twice_is_safe_whenever_it_happens()
    {
        var fresh = CreateEnvironment();
        fresh.Dispose();
        fresh.Invoking(e => e.Dispose()).Should().NotThrow("a second dispose does nothing");

        var midEpisode = CreateEnvironment();
        await midEpisode.ResetAsync(Seeds[0]);
        await midEpisode.StepAsync("no tags at all");
        midEpisode.Dispose();
        midEpisode.Invoking(e => e.Dispose()).Should().NotThrow();

        var ended = CreateEnvironment();
        await PlayUntilDoneAsync(ended, Seeds[1], _ => "no tags at all");
        ended.Dispose();
        ended.Invoking(e => e.Dispose()).Should().NotThrow();
    }

    /// <summary>
    /// A disposed environment is not used again: reset and step throw <see cref="ObjectDisposedException"/>
    /// naming the environment (see <see cref="RefusesUseAfterDispose"/>).
    /// </summary>
    [Fact]
    public async Task Reset_and_step_after_dispose_throw_ObjectDisposedException()
    {
        var environment = CreateEnvironment();
        await environment.ResetAsync(Seeds[0]);
        environment.Dispose();

        if (!RefusesUseAfterDispose)
        {
            return;
        }

        (await environment.Invoking(e => e.StepAsync("no tags at all").AsTask()).Should().ThrowAsync<ObjectDisposedException>())
            .Which.Message.Should().Contain(environment.Id, "the message says which environment was disposed");
        await environment.Invoking(e => e.ResetAsync(Seeds[0]).AsTask()).Should().ThrowAsync<ObjectDisposedException>();
        await environment.Invoking(e => e.ResetAsync(Seeds[0], 1).AsTask()).Should().ThrowAsync<ObjectDisposedException>();
    }

    /// <summary>Disposing one instance leaves every other instance (and what they share, e.g. a reward program or an index) working.</summary>
    [Fact]
    public async Task Disposing_one_instance_leaves_another_playing_identically()
    {
        var expected = await PlayAsync(CreateEnvironment(), Seeds[2], ["no tags at all", "<answer>0</answer>"]);
        var disposed = CreateEnvironment();
        await PlayUntilDoneAsync(disposed, Seeds[2], _ => "no tags at all");
        disposed.Dispose();

        using var other = CreateEnvironment();
        var actual = await PlayAsync(other, Seeds[2], ["no tags at all", "<answer>0</answer>"]);

        actual.Should().Equal(expected, "what instances share must outlive any one of them");
    }

    /// <summary>Serializes a reset the way rollout files do.</summary>
    protected static string Serialize(ResetResult reset) => JsonSerializer.Serialize(reset, TrajectoryJson.Options);

    /// <summary>Serializes a step the way rollout files do.</summary>
    protected static string Serialize(StepResult step) => JsonSerializer.Serialize(step, TrajectoryJson.Options);

    /// <summary>Resets to <paramref name="seed"/> and plays <paramref name="actions"/> (stopping early if the episode ends); returns each step serialized.</summary>
    protected static async Task<List<string>> PlayAsync(IEnvironment environment, long seed, IReadOnlyList<string> actions)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(actions);
        var steps = new List<string> { Serialize(await environment.ResetAsync(seed)) };
        foreach (var action in actions)
        {
            var step = await environment.StepAsync(action);
            steps.Add(Serialize(step));
            if (step.IsDone)
            {
                break;
            }
        }

        return steps;
    }

    /// <summary>Plays actions from <paramref name="actionForTurn"/> until the episode ends; resets first when a seed is given.</summary>
    protected static async Task<List<StepResult>> PlayUntilDoneAsync(IEnvironment environment, long? seed, Func<int, string> actionForTurn)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(actionForTurn);
        if (seed is { } s)
        {
            await environment.ResetAsync(s);
        }

        var steps = new List<StepResult>();
        for (var turn = 0; turn < environment.MaxTurns + 1; turn++)
        {
            var step = await environment.StepAsync(actionForTurn(turn));
            steps.Add(step);
            if (step.IsDone)
            {
                return steps;
            }
        }

        throw new InvalidOperationException($"the episode did not end within {environment.MaxTurns} turns");
    }
}
