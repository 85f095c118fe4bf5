using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FluentAssertions;
using Gym.Core.Trajectories;
using Gym.Testing;
using Parquet.Serialization;
using Xunit;

namespace Gym.Cli.Tests;

/// <summary>
/// <c>gym export --to parquet</c>: the committed expectations in Data/parquet (a rollout file, the
/// Parquet files gym wrote from it, and the JSON the independent reader hyparquet decoded from them),
/// checked on every machine; hyparquet itself runs where node and tools/parquet-check/node_modules are.
/// </summary>
public sealed class ExportCommandTests
{
    private static string Data => Path.Combine(RepositoryFolders.Root, "tests", "Gym.Cli.Tests", "Data", "parquet");

    private static string Fixture => Path.Combine(Data, "rollouts.jsonl");

    private const string Regenerate = "after a deliberate change of the schema or of Parquet.Net, regenerate the expectations with tools/parquet-check/regenerate.sh and review the diff";

    [Theory]
    [InlineData("turn", 13)]
    [InlineData("episode", 3)]
    public async Task Gym_writes_the_committed_parquet_file(string rows, int expectedRows)
    {
        using var dir = new TempDirectory();
        var result = await GymProcess.RunAsync(dir.Path, "export", Fixture, "--to", "parquet", "--rows", rows, "--out", "out.parquet");

        result.ExitCode.Should().Be(0, result.Because);
        result.Stdout.Should().Contain($"wrote {expectedRows} {rows} rows from 3 episodes to out.parquet");
        File.ReadAllBytes(dir.File("out.parquet")).Should().Equal(File.ReadAllBytes(Path.Combine(Data, $"rollouts.{rows}.parquet")), Regenerate);
        Directory.GetFiles(dir.Path).Select(Path.GetFileName).Should().BeEquivalentTo(["out.parquet"], "the temporary file is renamed, never left behind");
    }

    [Theory]
    [InlineData("turn")]
    [InlineData("episode")]
    public async Task Parquet_net_decodes_the_committed_file_to_what_hyparquet_read_from_it(string rows)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(Data, $"rollouts.{rows}.json")))!;
        var parquet = Path.Combine(Data, $"rollouts.{rows}.parquet");
        var (type, decoded) = rows == "turn"
            ? (typeof(ParquetTurnRow), JsonSerializer.SerializeToNode(await ReadRowsAsync<ParquetTurnRow>(parquet))!)
            : (typeof(ParquetEpisodeRow), JsonSerializer.SerializeToNode(await ReadRowsAsync<ParquetEpisodeRow>(parquet))!);

        ((int)expected["num_rows"]!).Should().Be(decoded.AsArray().Count);
        expected["columns"]!.AsArray().Select(c => (string)c!).Should().Equal(ColumnNames(type), "the columns are the documented ones, in order");
        AssertSameJson(decoded, expected["rows"]!, "rows");
    }

    [Fact]
    public async Task The_rows_hold_what_the_rollout_file_holds()
    {
        var episodes = JsonlTrajectoryReader.Read(Fixture).ToList();
        var turns = await ReadRowsAsync<ParquetTurnRow>(Path.Combine(Data, "rollouts.turn.parquet"));

        turns.Select(t => (t.Episode, t.Turn)).Should().Equal(episodes.SelectMany(e => e.Turns.Select(t => (e.Episode, (int)t.Turn))));
        foreach (var (row, (episode, turn)) in turns.Zip(episodes.SelectMany(e => e.Turns.Select(t => (e, t)))))
        {
            row.Seed.Should().Be(episode.Seed);
            row.Text.Should().Be(turn.Action.Text);
            row.TokenIds.Should().BeEquivalentTo(turn.Action.TokenIds, o => o.WithStrictOrdering());
            row.LogProbs.Should().BeEquivalentTo(turn.Action.LogProbs?.Select(p => (double)p), o => o.WithStrictOrdering());
            row.Reward.Should().Be(turn.Reward);
            row.RewardComponents.Select(c => (c.Name, c.Value)).Should().Equal(turn.Breakdown.Terms.Select(t => (t.Name, t.Value)));
            row.Context.Select(m => m.Content).Should().Equal(ContextRebuilder.Rebuild(episode, turn.Turn).Select(m => m.Content));
            row.FormatError.Should().Be(turn.FormatError);
        }

        turns.Should().Contain(t => t.TokenIds != null && t.FormatError == null).And.Contain(t => t.TokenIds == null).And.Contain(t => t.FormatError != null);
    }

    [Fact]
    public async Task Hyparquet_reads_what_gym_writes_where_node_is_installed()
    {
        var tool = Path.Combine(RepositoryFolders.Root, "tools", "parquet-check");
        var node = FindOnPath("node");
        if (node is null || !Directory.Exists(Path.Combine(tool, "node_modules", "hyparquet")))
        {
            // No node or no `npm ci` in tools/parquet-check (CI machines): the committed JSON, which
            // hyparquet printed, stands in for it in the test above.
            return;
        }

        using var dir = new TempDirectory();
        foreach (var rows in new[] { "turn", "episode" })
        {
            var export = await GymProcess.RunAsync(dir.Path, "export", Fixture, "--to", "parquet", "--rows", rows, "--out", $"{rows}.parquet");
            export.ExitCode.Should().Be(0, export.Because);
            var info = new ProcessStartInfo(node) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { Path.Combine(tool, "read.mjs"), dir.File($"{rows}.parquet"), dir.File($"{rows}.json") })
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            process.ExitCode.Should().Be(0, await stderr);
            AssertSameJson(JsonNode.Parse(File.ReadAllText(dir.File($"{rows}.json")))!, JsonNode.Parse(File.ReadAllText(Path.Combine(Data, $"rollouts.{rows}.json")))!, rows);
        }
    }

    public static TheoryData<string, string, string[]> BadInput => new()
    {
        { "", "nope.jsonl: no such rollout file", ["export", "nope.jsonl", "--to", "parquet"] },
        { "", "--to must be parquet (got 'csv')", ["export", "FIXTURE", "--to", "csv"] },
        { "", "--rows must be turn or episode (got 'step')", ["export", "FIXTURE", "--to", "parquet", "--rows", "step"] },
        { "", "--to", ["export", "FIXTURE"] },
        { "", "the folder", ["export", "FIXTURE", "--to", "parquet", "--out", "missing/x.parquet"] },
        { "", "must not be the input", ["export", "FIXTURE", "--to", "parquet", "--out", "FIXTURE"] },
        { "", "is a folder; --out takes a file name", ["export", "FIXTURE", "--to", "parquet", "--out", "."] },
        { "", "empty.jsonl: no episodes to export", ["export", "empty.jsonl", "--to", "parquet"] },
        { "{\"episode\": 0}\nnot json\n", "bad.jsonl:1", ["export", "bad.jsonl", "--to", "parquet"] },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_fails_with_one_error_line_and_exit_2(string badFile, string expected, string[] args)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("empty.jsonl"), "");
        File.WriteAllText(dir.File("bad.jsonl"), badFile);
        var result = await GymProcess.RunAsync(dir.Path, [.. args.Select(a => a == "FIXTURE" ? Fixture : a)]);
        CliAssertions.AssertUsageError(result, expected);
    }

    [Fact]
    public async Task A_failed_export_leaves_the_previous_output_as_it_was()
    {
        using var dir = new TempDirectory();
        // A context segment that points past the episode's turns: found only while the rows are written.
        var line = File.ReadLines(Fixture).First();
        File.WriteAllText(dir.File("corrupt.jsonl"), line.Replace("\"context\":[{\"turn\":-1,\"source\":\"prompt\",\"index\":0}", "\"context\":[{\"turn\":-1,\"source\":\"prompt\",\"index\":9}", StringComparison.Ordinal) + "\n");
        File.ReadAllText(dir.File("corrupt.jsonl")).Should().Contain("\"index\":9", "the fixture's first context starts with the first prompt message");
        File.WriteAllText(dir.File("out.parquet"), "previous");

        var result = await GymProcess.RunAsync(dir.Path, "export", "corrupt.jsonl", "--to", "parquet", "--out", "out.parquet");

        CliAssertions.AssertUsageError(result, "episode 0, turn 0");
        File.ReadAllText(dir.File("out.parquet")).Should().Be("previous");
        Directory.GetFiles(dir.Path).Select(Path.GetFileName).Should().BeEquivalentTo(["corrupt.jsonl", "out.parquet"]);
    }

    [Fact]
    public async Task Help_explains_every_option()
    {
        using var dir = new TempDirectory();
        var result = await GymProcess.RunAsync(dir.Path, "export", "--help");
        result.ExitCode.Should().Be(0, result.Because);
        foreach (var text in new[] { "rollouts.jsonl", "--to", "parquet", "--rows", "turn", "episode", "--out", "temporary file", "docs/rollouts.md" })
        {
            result.Stdout.Should().Contain(text, result.Because);
        }
    }

    /// <summary>The rows of a Parquet file, read back by Parquet.Net into the row type gym wrote them from.</summary>
    private static async Task<List<T>> ReadRowsAsync<T>(string path)
        where T : class, new()
    {
        // What awaiting DeserializeAsync gives differs between Parquet.Net versions (the rows, or a
        // result holding them in Data); take the rows either way.
        object result = await ParquetSerializer.DeserializeAsync<T>(path);
        var rows = result as IEnumerable<T> ?? result.GetType().GetProperty("Data")?.GetValue(result) as IEnumerable<T>;
        return rows?.ToList() ?? throw new InvalidOperationException($"Parquet.Net returned a {result.GetType()} for {path}");
    }

    private static IEnumerable<string> ColumnNames(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name);

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Structural equality; numbers compare by value (64-bit integers exactly), so "1.0" equals "1".</summary>
    private static void AssertSameJson(JsonNode? actual, JsonNode? expected, string path)
    {
        switch (expected)
        {
            case null:
                actual.Should().BeNull(path);
                break;
            case JsonObject expectedObject:
                actual.Should().BeOfType<JsonObject>(path);
                var actualObject = actual!.AsObject();
                actualObject.Select(p => p.Key).Should().BeEquivalentTo(expectedObject.Select(p => p.Key), path);
                foreach (var (key, value) in expectedObject)
                {
                    AssertSameJson(actualObject[key], value, $"{path}.{key}");
                }

                break;
            case JsonArray expectedArray:
                actual.Should().BeOfType<JsonArray>(path);
                actual!.AsArray().Count.Should().Be(expectedArray.Count, path);
                for (var i = 0; i < expectedArray.Count; i++)
                {
                    AssertSameJson(actual.AsArray()[i], expectedArray[i], $"{path}[{i}]");
                }

                break;
            default:
                var expectedValue = expected.AsValue();
                actual.Should().NotBeNull(path);
                if (expectedValue.GetValueKind() == JsonValueKind.Number)
                {
                    actual!.GetValueKind().Should().Be(JsonValueKind.Number, path);
                    var (a, e) = (actual.ToJsonString(), expected.ToJsonString());
                    if (long.TryParse(a, NumberStyles.Integer, CultureInfo.InvariantCulture, out var al) && long.TryParse(e, NumberStyles.Integer, CultureInfo.InvariantCulture, out var el))
                    {
                        al.Should().Be(el, path);
                    }
                    else
                    {
                        double.Parse(a, CultureInfo.InvariantCulture).Should().Be(double.Parse(e, CultureInfo.InvariantCulture), path);
                    }
                }
                else
                {
                    actual!.ToJsonString().Should().Be(expected.ToJsonString(), path);
                }

                break;
        }
    }
}
