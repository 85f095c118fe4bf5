using FluentAssertions;
using Gym.Core.Checking;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Rewards;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Checking;

public sealed class EnvironmentCheckerTests
{
    public enum Flaw
    {
        None,
        ThrowsOnMalformedAction,
        ResetDependsOnInstanceCount,
        RewardDiffersFromBreakdown,
        TruncatedAndTerminatedTogether,
        StepsBeforeReset,
        AcceptsPlainText,
    }

    private static int _instances;

    private static SecretNumberEnvironment Healthy() => new(new ToolEnvironmentSettings(MaxTurns: 3));

    /// <summary>Wraps the healthy test environment and breaks exactly one rule of the contract.</summary>
    private sealed class FlawedEnvironment(Flaw flaw) : IEnvironment
    {
        private readonly SecretNumberEnvironment _inner = Healthy();
        private readonly int _instance = Interlocked.Increment(ref _instances);
        private bool _reset;

        public string Id => _inner.Id;

        public int MaxTurns => _inner.MaxTurns;

        public async ValueTask<ResetResult> ResetAsync(long seed, CancellationToken cancellationToken = default)
        {
            _reset = true;
            var reset = await _inner.ResetAsync(seed, cancellationToken);
            return flaw == Flaw.ResetDependsOnInstanceCount
                ? reset with { Observation = [.. reset.Observation, ChatMessage.User($"instance {_instance}")] }
                : reset;
        }

        public async ValueTask<StepResult> StepAsync(AgentAction action, CancellationToken cancellationToken = default)
        {
            if (flaw == Flaw.StepsBeforeReset && !_reset)
            {
                await ResetAsync(0, cancellationToken);
            }

            if (flaw == Flaw.ThrowsOnMalformedAction && !action.Text.Contains('<', StringComparison.Ordinal))
            {
                throw new FormatException("cannot read that");
            }

            var step = await _inner.StepAsync(action, cancellationToken);
            return flaw switch
            {
                Flaw.RewardDiffersFromBreakdown => step with { Reward = step.Reward + 0.5 },
                Flaw.TruncatedAndTerminatedTogether when step.IsDone => step with { Terminated = true, Truncated = true },
                Flaw.AcceptsPlainText when step.FormatError is not null => step with
                {
                    FormatError = null,
                    Breakdown = new RewardBreakdown([new RewardTerm("format", RewardKind.Process, 0, 1)]),
                    Reward = 0,
                },
                _ => step,
            };
        }
    }

    private static async Task<CheckReport> CheckAsync(Flaw flaw) =>
        await EnvironmentChecker.CheckAsync(() => new FlawedEnvironment(flaw), new SecretNumberExpert(ActionFormat.JsonToolCalls), [0, 1, 2]);

    [Fact]
    public async Task A_healthy_environment_passes_every_check_including_the_expert_ones()
    {
        var report = await CheckAsync(Flaw.None);

        report.Passed.Should().BeTrue(string.Join("; ", report.Results.Where(r => !r.Passed).Select(r => $"{r.Name}: {r.Detail}")));
        report.EnvironmentId.Should().Be(SecretNumberEnvironment.EnvironmentId);
        report.Results.Should().HaveCount(11);
        report.Results.Should().OnlyContain(r => r.Detail == "ok");
    }

    [Fact]
    public async Task Without_an_expert_the_trajectory_checks_are_skipped()
    {
        var report = await EnvironmentChecker.CheckAsync(Healthy);

        report.Passed.Should().BeTrue();
        report.Results.Should().HaveCount(8);
        report.Results.Should().NotContain(r => r.Name.Contains("trajector", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Flaw.ThrowsOnMalformedAction, "malformed actions never throw and are explained", "threw FormatException: cannot read that")]
    [InlineData(Flaw.ResetDependsOnInstanceCount, "reset is deterministic for a seed", "seed 0: two resets differ")]
    [InlineData(Flaw.RewardDiffersFromBreakdown, "every step's breakdown sums to its reward and flags are consistent", "differs from the breakdown total")]
    [InlineData(Flaw.TruncatedAndTerminatedTogether, "the turn limit truncates (not terminates)", "terminated=True, truncated=True")]
    [InlineData(Flaw.StepsBeforeReset, "step before reset throws InvalidOperationException", "step before reset did not throw")]
    [InlineData(Flaw.AcceptsPlainText, "malformed actions never throw and are explained", "was accepted as well-formed")]
    public async Task A_broken_rule_fails_its_check_with_a_reason(Flaw flaw, string check, string detail)
    {
        var report = await CheckAsync(flaw);

        report.Passed.Should().BeFalse();
        var result = report.Results.Should().ContainSingle(r => r.Name == check).Subject;
        result.Passed.Should().BeFalse();
        result.Detail.Should().Contain(detail);
    }

    [Fact]
    public async Task Cancellation_stops_the_checks()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        var slow = new SecretNumberEnvironment(new ToolEnvironmentSettings(MaxTurns: 3));

        var check = () => EnvironmentChecker.CheckAsync(() => new CancellingEnvironment(slow), cancellationToken: cancellation.Token);

        await check.Should().ThrowAsync<OperationCanceledException>();
    }

    /// <summary>Honours cancellation on every call, as a remote environment would.</summary>
    private sealed class CancellingEnvironment(IEnvironment inner) : IEnvironment
    {
        public string Id => inner.Id;

        public int MaxTurns => inner.MaxTurns;

        public ValueTask<ResetResult> ResetAsync(long seed, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return inner.ResetAsync(seed, cancellationToken);
        }

        public ValueTask<StepResult> StepAsync(AgentAction action, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return inner.StepAsync(action, cancellationToken);
        }
    }
}
