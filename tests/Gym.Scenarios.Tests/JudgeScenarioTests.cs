using FluentAssertions;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Testing;
using Xunit;

namespace Gym.Scenarios.Tests;

/// <summary>Rubrics with LLM-judge criteria written in YAML, scored by a real OpenAI-compatible server on 127.0.0.1.</summary>
public sealed class JudgeScenarioTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gym-judge-scenario-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Scenario(Uri server, string protocol, string cache) => $$"""
        id: test/judged
        task:
          environment: tool-use/arithmetic-v0
          params: {difficulty: 1}
        rewards:
          outcome:
            - {kind: numeric_match}
            - kind: rubric
              name: judged
              weight: 0.5
              criteria:
                - {name: clear, judge: "Is the answer a clear number?", protocol: {{protocol}}}
              judge:
                base_url: {{server}}
                model: judge-test
                timeout_ms: 5000
                cache: {{cache}}
        """;

    private async Task<List<EpisodeRecord>> Play(string yaml, int episodes)
    {
        var path = Path.Combine(_dir, "judged.yaml");
        File.WriteAllText(path, yaml);
        var registry = new EnvironmentRegistry().AddToolUse();
        using var scenario = ScenarioEnvironments.Load(path, registry);
        var records = new List<EpisodeRecord>();
        for (var i = 0; i < episodes; i++)
        {
            var expert = registry.Get(scenario.Spec.Id).CreateExpert!(EnvironmentParameters.None, new ExpertSettings());
            using var environment = registry.Make(scenario.Spec.Id);
            records.Add(await EpisodeRunner.RunAsync(environment, expert, i, 40 + i));
        }

        return records;
    }

    [Fact]
    public async Task Disposing_the_scenario_closes_its_judge_and_leaves_a_complete_cache_file_that_can_be_opened_exclusively()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => "Score: 9");
        var path = Path.Combine(_dir, "judged.yaml");
        var cacheFile = Path.Combine(_dir, "owned-cache.jsonl");
        File.WriteAllText(path, Scenario(server.BaseUrl, "pointwise", "owned-cache.jsonl"));
        var registry = new EnvironmentRegistry().AddToolUse();
        var scenario = ScenarioEnvironments.Load(path, registry);
        Core.Rewards.Judging.JudgeClient? client = null;
        for (var i = 0; i < 4; i++)
        {
            var expert = registry.Get(scenario.Spec.Id).CreateExpert!(EnvironmentParameters.None, new ExpertSettings());
            using var environment = registry.Make(scenario.Spec.Id);
            client ??= JudgeOf(environment);
            await EpisodeRunner.RunAsync(environment, expert, i, 70 + i);
        }

        var exclusiveWhileOpen = () => new FileStream(cacheFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None).Dispose();
        exclusiveWhileOpen.Should().Throw<IOException>("the scenario's cache holds its file while the scenario lives");

        scenario.Dispose();
        scenario.Dispose();

        using (var exclusive = new FileStream(cacheFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            exclusive.Length.Should().BePositive("the handle is released and the entries are on disk");
        }

        var lines = File.ReadAllLines(cacheFile);
        lines.Should().HaveCount(server.Requests, "one entry per judge request, none lost");
        lines.Should().OnlyContain(l => l.StartsWith("{\"key\":", StringComparison.Ordinal) && l.EndsWith('}'));
        using (var reloaded = new Core.Rewards.Judging.JudgeCache(cacheFile))
        {
            reloaded.Count.Should().Be(lines.Length, "every line is a complete entry");
        }

        client.Should().NotBeNull();
        client!.Cache!.Invoking(c => c.Add("another", "reply")).Should().Throw<ObjectDisposedException>("the client disposed the cache it owns");
        await client.Invoking(c => c.CompleteAsync("", "never judged before")).Should().ThrowAsync<ObjectDisposedException>("its HTTP client is disposed");
        registry.Invoking(r => r.Make(scenario.Spec.Id)).Should().Throw<ObjectDisposedException>().WithMessage("*has been disposed*");
        File.Delete(cacheFile);
        File.Exists(cacheFile).Should().BeFalse();
    }

    private static Core.Rewards.Judging.JudgeClient JudgeOf(Core.Episodes.IEnvironment environment)
    {
        var tool = (Core.Episodes.ToolEnvironment)environment;
        var rubric = tool.Rewards.Components.OfType<Core.Rewards.Components.RubricComponent>().Single().Rubric;
        return rubric.Criteria.Select(c => c.Rule).OfType<Core.Rewards.Rubrics.JudgeRule>().Single().Judge.Should().BeOfType<Core.Rewards.Judging.LlmJudge>().Subject.Client;
    }

    [Fact]
    public async Task A_pointwise_judge_scores_answers_and_its_file_cache_makes_rescoring_free()
    {
        await using var server = await FakeJudgeServer.StartAsync(request => request.User.Contains("Is the answer a clear number?", StringComparison.Ordinal) ? "Looks fine.\nScore: 7" : "Score: 0");
        var yaml = Scenario(server.BaseUrl, "pointwise", "judge-cache.jsonl");

        var records = await Play(yaml, 3);

        var last = records.Select(r => r.Turns[^1].Breakdown).ToList();
        last.Should().OnlyContain(b => b.Find("judged")!.Raw == 0.7 && b.Find("judged")!.Weight == 0.5 && b.Find("judged.clear")!.Raw == 0.7);
        server.Requests.Should().Be(3);
        File.ReadAllLines(Path.Combine(_dir, "judge-cache.jsonl")).Should().HaveCount(3);

        // A new process's scenario (a new cache object on the same file) re-scores without asking the server again.
        var registry = new EnvironmentRegistry().AddToolUse();
        using var scenario = ScenarioEnvironments.Load(Path.Combine(_dir, "judged.yaml"), registry);
        foreach (var record in records)
        {
            using var environment = registry.Make(scenario.Spec.Id);
            var rescored = await EpisodeRescorer.RescoreAsync((Core.Episodes.IReplayableEnvironment)environment, record);
            TrajectoryJson.Serialize(rescored).Should().Be(TrajectoryJson.Serialize(record));
        }

        server.Requests.Should().Be(3, "every judge request was answered from the cache file");
    }

    [Fact]
    public async Task A_pairwise_judge_that_always_prefers_the_first_answer_scores_one_half()
    {
        await using var server = await FakeJudgeServer.StartAsync(_ => "Response A is better.\n[[A]]");

        var records = await Play(Scenario(server.BaseUrl, "pairwise", "pairwise-cache.jsonl"), 2);

        records.Select(r => r.Turns[^1].Breakdown.Find("judged")!.Raw).Should().Equal(0.5, 0.5);
        // The expert's answer is the gold answer, so the two orders of one episode are the same
        // request: the second is sent only if it starts before the first reply is cached.
        server.Received.Select(r => r.User).Distinct().Should().HaveCount(2, "one distinct comparison per episode");
        server.Requests.Should().BeInRange(2, 4);
    }
}
