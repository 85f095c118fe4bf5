using System.Globalization;
using FluentAssertions;
using Gym.Core.Trajectories;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary>
/// Both directions of the OpenAI-compatible API, end to end and without mocks: <c>gym serve-policy</c> serves
/// a tiny SFT checkpoint on 127.0.0.1, and <c>gym run --policy openai:…</c> (or a scenario's
/// <c>policy: {kind: openai}</c>) plays episodes against it over real HTTP.
/// </summary>
public sealed class OpenAiPolicyEndToEndTests
{
    [Fact]
    public async Task Rollouts_through_the_openai_policy_from_gym_serve_policy_carry_logprobs_and_repeat_from_the_seed()
    {
        var checkpoint = await TrainingRuns.SftCheckpointAsync();
        using var temp = new TempDirectory();
        await using var server = GymProcess.Start(temp.Path, "serve-policy", "--checkpoint", checkpoint, "--port", "0", "--max-batch", "8");
        var url = (await server.WaitForUrlAsync(TrainingRuns.TrainingTimeout)).ToString();

        var fromOptions = await TrainingRuns.RunAsync(
            temp.Path,
            "run", TrainingRuns.Scenario, "--policy", "openai:tiny", "--policy-url", url,
            "--policy-option", "max_tokens=16", "--policy-option", "temperature=1", "--episodes", "6", "--no-progress", "--out", "options.jsonl");

        // The same settings from a scenario file that extends the same scenario (so the same id and tasks).
        var scenario = temp.File("openai.yaml");
        await File.WriteAllTextAsync(scenario, string.Create(CultureInfo.InvariantCulture, $"""
            extends: {TrainingRuns.Scenario}
            policy:
              kind: openai
              base_url: {url}
              model: tiny
              max_tokens: 16
              temperature: 1
              max_concurrency: 4
            """));
        var fromScenario = await TrainingRuns.RunAsync(temp.Path, "run", scenario, "--episodes", "6", "--no-progress", "--out", "scenario.jsonl");

        fromOptions.ExitCode.Should().Be(0, fromOptions.Because);
        fromScenario.ExitCode.Should().Be(0, fromScenario.Because);
        var first = RolloutFile.Read(temp.File("options.jsonl"));
        var second = RolloutFile.Read(temp.File("scenario.jsonl"));
        first.Should().HaveCount(6);
        foreach (var episode in first.Concat(second))
        {
            episode.PolicyId.Should().Be("openai:tiny");
            episode.Status.Should().Be(EpisodeStatus.Completed, episode.Error);
            episode.Turns.Should().NotBeEmpty();
            foreach (var turn in episode.Turns)
            {
                turn.Action.LogProbs.Should().NotBeNull().And.NotBeEmpty().And.HaveCountLessThanOrEqualTo(16, "max_tokens=16");
                turn.Action.LogProbs!.Should().OnlyContain(lp => lp <= 0 && float.IsFinite(lp));
            }
        }

        // Each turn asks with a seed derived from its episode's seed and turn, so the rerun gets the same text
        // (log-probs agree up to the float rounding of different batch shapes on the server).
        second.Select(e => e.Turns.Select(t => t.Action.Text)).Should().BeEquivalentTo(first.Select(e => e.Turns.Select(t => t.Action.Text)), o => o.WithStrictOrdering());
        second.Select(e => e.TotalReward).Should().Equal(first.Select(e => e.TotalReward));

        var stopped = await server.StopAsync();
        stopped.ExitCode.Should().Be(0, stopped.Because);
        stopped.Stderr.Should().Contain("stopped:").And.Contain("completions");
        CliAssertions.AssertNoStackTrace(stopped);
    }

    [Fact]
    public async Task A_policy_server_that_is_down_is_one_error_line_and_no_output_file()
    {
        using var temp = new TempDirectory();

        var result = await GymProcess.RunAsync(
            temp.Path,
            "run", "tool-use/arithmetic-v0", "--policy", "openai:some-model", "--policy-url", "http://127.0.0.1:1/v1", "--policy-option", "max_retries=0", "--out", "out.jsonl");

        CliAssertions.AssertUsageError(result, "policy request to http://127.0.0.1:1/v1/models failed");
        File.Exists(temp.File("out.jsonl")).Should().BeFalse();
    }

    [Theory]
    [InlineData("--policy openai:MODEL needs --policy-url URL", "--policy", "openai:m")]
    [InlineData("needs the model name", "--policy", "openai", "--policy-url", "http://127.0.0.1:1/v1")]
    [InlineData("--policy-url must be an http:// or https:// URL", "--policy", "openai:m", "--policy-url", "localhost:8000")]
    [InlineData("--policy-option: unknown key 'temp'", "--policy", "openai:m", "--policy-url", "http://127.0.0.1:1/v1", "--policy-option", "temp=1")]
    [InlineData("--policy-option temperature needs a number (got 'hot')", "--policy", "openai:m", "--policy-url", "http://127.0.0.1:1/v1", "--policy-option", "temperature=hot")]
    [InlineData("temperature must be in [0, 2]", "--policy", "openai:m", "--policy-url", "http://127.0.0.1:1/v1", "--policy-option", "temperature=5")]
    [InlineData("--policy-option tool_messages must be tool or user (got 'system')", "--policy", "openai:m", "--policy-url", "http://127.0.0.1:1/v1", "--policy-option", "tool_messages=system")]
    [InlineData("apply to --policy openai:MODEL only", "--policy-url", "http://127.0.0.1:1/v1")]
    public async Task Bad_openai_policy_options_fail_with_one_clear_line(string expected, params string[] args)
    {
        using var temp = new TempDirectory();

        var result = await GymProcess.RunAsync(temp.Path, ["run", "tool-use/arithmetic-v0", "--out", "out.jsonl", .. args]);

        CliAssertions.AssertUsageError(result, expected);
        File.Exists(temp.File("out.jsonl")).Should().BeFalse();
    }

    [Theory]
    [InlineData("--checkpoint: checkpoint folder", "--checkpoint", "no-such-folder")]
    [InlineData("--port must be 0 (any free port) to 65535 (got 70000)", "--checkpoint", ".", "--port", "70000")]
    [InlineData("--host must be an IP address", "--checkpoint", ".", "--host", "example.com")]
    [InlineData("--max-batch must be at least 1 (got 0)", "--checkpoint", ".", "--max-batch", "0")]
    [InlineData("--device must be auto, cpu or cuda (got 'tpu')", "--checkpoint", ".", "--device", "tpu")]
    [InlineData("--checkpoint: '", "--checkpoint", ".")]
    public async Task Bad_serve_policy_options_fail_with_one_clear_line(string expected, params string[] args)
    {
        using var temp = new TempDirectory();

        var result = await GymProcess.RunAsync(temp.Path, ["serve-policy", .. args]);

        CliAssertions.AssertUsageError(result, expected);
    }
}
