using System.Text.Json;
using FluentAssertions;
using Gym.Core.Context;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Microsoft.ML.Tokenizers;
using Xunit;

namespace Gym.Scenarios.Tests;

/// <summary>
/// The o200k counter that contexts are counted with (our reader of the library's rank file) gives the
/// library's own <c>TiktokenTokenizer</c> count for every text that the scenarios write: each string of
/// the rollout lines of eight expert episodes (error rate 0.2) of every scenario and built-in id.
/// </summary>
public sealed class TokenCountOutputTests
{
    [Fact]
    public async Task Every_text_the_scenarios_write_counts_as_the_library_counts_it()
    {
        var texts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var target in GoldenOutputTests.Targets())
        {
            foreach (var line in await PlayAsync(target))
            {
                using var document = JsonDocument.Parse(line);
                CollectStrings(document.RootElement, texts);
            }
        }

        texts.Count.Should().BeGreaterThan(1_000, "the episodes write prompts, actions, observations and infos");
        var library = TiktokenTokenizer.CreateForEncoding("o200k_base");
        var ours = TokenCounters.Create("o200k");
        var differences = texts
            .Where(text => ours.CountText(text) != library.CountTokens(text))
            .Take(10)
            .Select(text => $"ours {ours.CountText(text)}, library {library.CountTokens(text)}: {text}")
            .ToList();

        differences.Should().BeEmpty($"all {texts.Count} distinct texts must count the same");
    }

    private static async Task<List<string>> PlayAsync(string target)
    {
        // Full memory and the default counter for every target: the texts are what is compared here.
        var (registry, id, _, _) = GoldenOutputTests.Resolve(target);
        var expert = registry.Get(id).CreateExpert!(EnvironmentParameters.None, new ExpertSettings(0.2, 11));
        using var environment = registry.Make(id);
        var lines = new List<string>();
        for (var episode = 0; episode < 8; episode++)
        {
            var record = await EpisodeRunner.RunAsync(environment, expert, episode, 500 + episode, MemorySpec.Full, TokenCounters.DefaultName);
            lines.Add(TrajectoryJson.Serialize(record));
        }

        return lines;
    }

    private static void CollectStrings(JsonElement element, HashSet<string> texts)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                texts.Add(element.GetString()!);
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    texts.Add(property.Name);
                    CollectStrings(property.Value, texts);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CollectStrings(item, texts);
                }

                break;
        }
    }
}
