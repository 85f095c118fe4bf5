using FluentAssertions;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary><c>gym run</c> on search QA end to end: the index is built once and reused, retrieval and exact-match components are reported.</summary>
public sealed class SearchQaCommandTests
{
    [Fact]
    public async Task A_search_run_builds_its_index_once_and_reports_retrieval_and_exact_match()
    {
        using var dir = new TempDirectory();
        // A knowledge-base seed no other test uses, so the first run must build its own index.
        string[] args = ["run", "search-qa/synthetic-v0", "--param", "documents=2000", "--param", "kb_seed=4242", "--param", "hops=multi-hop", "--episodes", "40", "--policy", "expert:0.2", "--no-progress"];
        File.WriteAllText(dir.File("rewards.yaml"), """
            id: test/search
            task:
              environment: search-qa/synthetic-v0
              params: {documents: 2000, kb_seed: 4242, hops: multi-hop}
            rewards:
              process:
                - {kind: retrieval_hit, weight: 0.1}
                - {kind: rank, weight: 0.1}
              outcome:
                - {kind: exact_match}
                - {kind: search_r1, weight: 0}
            """);
        // A cache of its own: other tests running at the same time build indexes in the shared one.
        var cache = new Dictionary<string, string> { ["GYM_CACHE"] = Directory.CreateDirectory(dir.File("cache")).FullName };
        var root = Path.Combine(cache["GYM_CACHE"], "search-index");
        var before = Indexes(root);

        var first = await GymProcess.RunAsync(dir.Path, cache, [.. args, "--out", "a.jsonl"]);
        var indexes = Indexes(root);
        var markers = indexes.Select(d => Path.Combine(d, "gym-index.json")).ToDictionary(m => m, File.GetLastWriteTimeUtc);
        var second = await GymProcess.RunAsync(dir.Path, cache, [.. args, "--out", "b.jsonl"]);
        var scenario = await GymProcess.RunAsync(dir.Path, cache, "run", "rewards.yaml", "--episodes", "20", "--out", "c.jsonl", "--no-progress");

        first.ExitCode.Should().Be(0, first.Because);
        second.ExitCode.Should().Be(0, second.Because);
        scenario.ExitCode.Should().Be(0, scenario.Because);
        indexes.Except(before).Should().ContainSingle("the first run builds one index");
        Indexes(root).Should().BeEquivalentTo(indexes, "the second run and the scenario reuse the index");
        markers.Should().OnlyContain(m => File.GetLastWriteTimeUtc(m.Key) == m.Value, "a reused index is not rewritten");
        File.ReadAllText(dir.File("b.jsonl")).Should().Be(File.ReadAllText(dir.File("a.jsonl")), "same seed, same trajectories, built or reused");
        scenario.Stdout.Should().Contain("retrieval_hit").And.Contain("rank").And.Contain("exact_match").And.Contain("search_r1");
        var records = RolloutFile.Read(dir.File("a.jsonl"));
        records.Should().HaveCount(40);
        records.SelectMany(r => r.Turns).Should().Contain(t => t.Observation.Any(o => o.Content.StartsWith("<information>Doc 1(Title: ", StringComparison.Ordinal)));
    }

    private static List<string> Indexes(string root) => Directory.Exists(root)
        ? [.. Directory.GetDirectories(root).Where(d => !Path.GetFileName(d).StartsWith('.'))]
        : [];

    [Fact]
    public async Task A_missing_question_file_is_one_error_line_with_exit_code_2()
    {
        using var dir = new TempDirectory();

        var result = await GymProcess.RunAsync(dir.Path, "run", "search-qa/files-v0", "--param", "questions=missing.jsonl", "--episodes", "2");

        result.ExitCode.Should().Be(2, result.Because);
        result.Stderr.Should().Contain("parameter 'questions': file 'missing.jsonl' not found").And.NotContain("   at ");
    }
}
