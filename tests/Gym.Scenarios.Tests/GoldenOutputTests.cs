using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Testing;
using Xunit;

namespace Gym.Scenarios.Tests;

/// <summary>
/// Every scenario in scenarios/ and every built-in tool-use and search-QA id writes, byte for byte,
/// the rollout lines it wrote when the golden file was made: a SHA-256 of four expert episodes
/// (error rate 0.2, so malformed actions, wrong calls and early answers are in them too), as
/// <see cref="TrajectoryJson"/> serializes them. Performance work on the step, token counting and
/// serialization path must not change a byte.
/// </summary>
/// <remarks>
/// To regenerate after a deliberate change of output, run the tests with
/// <c>GYM_WRITE_GOLDEN=1</c>: the file is rewritten in the source tree and the test fails once, so
/// that a regeneration is never silent.
/// </remarks>
public sealed class GoldenOutputTests
{
    private const string GoldenFile = "tests/Gym.Scenarios.Tests/Golden/episode-hashes.txt";
    private static readonly string[] BuiltIns = ["tool-use/arithmetic-v0", "tool-use/arithmetic-easy-v0", "tool-use/arithmetic-hard-v0", "search-qa/synthetic-v0"];

    [Fact]
    public async Task Every_scenario_writes_the_golden_bytes()
    {
        var actual = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var target in Targets())
        {
            actual[target] = await HashAsync(target);
        }

        var path = RepositoryFolders.Path(GoldenFile);
        if (Environment.GetEnvironmentVariable("GYM_WRITE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllLines(path, actual.Select(p => $"{p.Value} {p.Key}"));
            Assert.Fail($"rewrote {GoldenFile} ({actual.Count} entries); run again without GYM_WRITE_GOLDEN");
        }

        File.Exists(path).Should().BeTrue($"{GoldenFile} holds the expected hashes");
        var expected = File.ReadAllLines(path)
            .Where(l => l.Length > 0)
            .ToDictionary(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..], l => l[..l.IndexOf(' ', StringComparison.Ordinal)], StringComparer.Ordinal);
        expected.Keys.Should().BeEquivalentTo(actual.Keys, "every scenario has a golden hash and every golden hash a scenario");
        foreach (var (target, hash) in actual)
        {
            hash.Should().Be(expected[target], $"{target} must write the same bytes as before");
        }
    }

    /// <summary>The built-in ids and every scenario file, relative to the repository root.</summary>
    internal static IEnumerable<string> Targets()
    {
        var root = RepositoryFolders.Path("scenarios");
        var files = Directory.EnumerateFiles(root, "*.y*ml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("data/", StringComparison.Ordinal) && !f.Contains("/data/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => "scenarios/" + f);
        return BuiltIns.Concat(files);
    }

    /// <summary>
    /// A target of <see cref="Targets"/> made playable: a fresh registry (with the scenario registered),
    /// the environment id, and the memory mode and tokenizer the scenario names (full and the default
    /// for a built-in id).
    /// </summary>
    internal static ResolvedTarget Resolve(string target)
    {
        var registry = TestFiles.Registry();
        if (!target.StartsWith("scenarios/", StringComparison.Ordinal))
        {
            return new(registry, target, Gym.Core.Context.MemorySpec.Full, Gym.Core.Context.TokenCounters.DefaultName);
        }

        var scenario = ScenarioEnvironments.Load(RepositoryFolders.Path(target), registry);
        return new(registry, scenario.Spec.Id, scenario.Memory, scenario.Tokenizer);
    }

    private static async Task<string> HashAsync(string target)
    {
        var (registry, id, memory, tokenizer) = Resolve(target);
        var expert = registry.Get(id).CreateExpert!(EnvironmentParameters.None, new ExpertSettings(0.2, 7));
        var text = new StringBuilder();
        // One environment plays all four, as a reused environment must play like a fresh one.
        using var environment = registry.Make(id);
        for (var episode = 0; episode < 4; episode++)
        {
            var record = await EpisodeRunner.RunAsync(environment, expert, episode, 300 + episode, memory, tokenizer);
            text.Append(TrajectoryJson.Serialize(record)).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}

/// <summary>What <see cref="GoldenOutputTests.Resolve"/> gives for a target.</summary>
internal sealed record ResolvedTarget(EnvironmentRegistry Registry, string Id, Gym.Core.Context.MemorySpec Memory, string Tokenizer);
