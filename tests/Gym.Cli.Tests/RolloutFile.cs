using System.Text;
using FluentAssertions;
using Gym.Core.Trajectories;

namespace Gym.Cli.Tests;

/// <summary>Reads a rollout file strictly: whole lines only, each a valid episode.</summary>
internal static class RolloutFile
{
    /// <summary>The file's lines (without their '\n'); the file must be empty or end with '\n'.</summary>
    public static IReadOnlyList<string> ReadLines(string path)
    {
        File.Exists(path).Should().BeTrue($"gym should have written {path}");
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0)
        {
            return [];
        }

        bytes[^1].Should().Be((byte)'\n', $"every line of {path} must be complete (a partial last line means a torn write)");
        var text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        var lines = text[..^1].Split('\n');
        lines.Should().NotContain(string.Empty, "a rollout file has no blank lines");
        return lines;
    }

    /// <summary>Every line parsed with <see cref="TrajectoryJson.Deserialize"/>; a bad line fails with its number.</summary>
    public static IReadOnlyList<EpisodeRecord> Read(string path)
    {
        var lines = ReadLines(path);
        var records = new List<EpisodeRecord>(lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            try
            {
                records.Add(TrajectoryJson.Deserialize(lines[i]));
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw new InvalidOperationException($"{path}:{i + 1} is not a valid episode: {ex.Message}\n{Truncate(lines[i])}", ex);
            }
        }

        return records;
    }

    private static string Truncate(string line) => line.Length <= 300 ? line : line[..300] + "…";
}
