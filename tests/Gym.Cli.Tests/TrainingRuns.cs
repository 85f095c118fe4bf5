using System.Globalization;
using System.Reflection;
using FluentAssertions;
using Gym.Testing;

namespace Gym.Cli.Tests;

/// <summary>
/// What the <c>gym train</c> and <c>gym sft</c> tests share: the tiny scenario and settings that run in
/// seconds on a CPU (the 1M-parameter byte-level model, 2 tasks, 8 tokens per turn), one SFT run whose
/// checkpoint several tests start from, and readers for a run folder.
/// </summary>
internal static class TrainingRuns
{
    /// <summary>Training processes load TorchSharp and a model: more time than the other commands, on a busy machine too.</summary>
    public static readonly TimeSpan TrainingTimeout = TimeSpan.FromSeconds(150);

    /// <summary>The repository's root folder (the one holding Gym.sln).</summary>
    public static string RepositoryRoot => RepositoryFolders.Root;

    /// <summary>A one-operation, one-digit arithmetic scenario whose episodes fit the tiny model's 1024 positions.</summary>
    public static string Scenario { get; } = Path.Combine(RepositoryRoot, "scenarios", "tool-use", "tiny-arith.yaml");

    /// <summary>Two steps of 2 tasks × 2 attempts, two held-out tasks, 8 new tokens per turn.</summary>
    public static readonly string[] Train =
        ["--steps", "2", "--tasks", "2", "--group-size", "2", "--eval-tasks", "2", "--eval-samples", "1", "--max-new-tokens", "8", "--kl-beta", "0", "--concurrency", "8"];

    /// <summary>Two optimizer steps on six expert episodes (a one-step warm-up, then a cosine down to 0), then two held-out tasks.</summary>
    public static readonly string[] Sft =
        ["--episodes", "6", "--steps", "2", "--batch-size", "4", "--eval-tasks", "2", "--eval-samples", "1", "--max-new-tokens", "8", "--lr-schedule", "cosine", "--warmup-steps", "1"];

    /// <summary><paramref name="args"/> with <paramref name="option"/> set to <paramref name="value"/> (replaced, or appended).</summary>
    public static string[] With(string[] args, string option, string value)
    {
        var copy = args.ToList();
        var at = copy.IndexOf(option);
        if (at >= 0)
        {
            copy[at + 1] = value;
        }
        else
        {
            copy.AddRange([option, value]);
        }

        return [.. copy];
    }

    /// <summary>The native backend this test build carries (<c>-p:GymTorchBackend</c>), from the project file.</summary>
    public static string TorchBackend { get; } = typeof(TrainingRuns).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "GymTorchBackend").Value!;

    private static readonly Lazy<string> SharedFolder = ProcessTempFolder.Create("gym-cli-training-");

    // One gym sft per test process: its checkpoint is the --init of several tests.
    private static readonly Lazy<Task<(string Folder, GymResult Result)>> SharedSft = new(async () =>
    {
        var folder = Path.Combine(SharedFolder.Value, "sft");
        var result = await RunAsync(SharedFolder.Value, ["sft", Scenario, "--out", folder, .. Sft]);
        return (folder, result);
    });

    /// <summary>Runs <c>gym args…</c> in <paramref name="workingDirectory"/> with the training timeout.</summary>
    public static async Task<GymResult> RunAsync(string workingDirectory, params string[] args)
    {
        using var gym = GymProcess.Start(workingDirectory, args);
        return await gym.WaitAsync(TrainingTimeout);
    }

    /// <summary>The shared <c>gym sft</c> run (started on first use): its folder and what it printed.</summary>
    public static Task<(string Folder, GymResult Result)> SharedSftRun() => SharedSft.Value;

    /// <summary>The shared SFT run's <c>final/</c> checkpoint; fails the test if that run failed.</summary>
    public static async Task<string> SftCheckpointAsync()
    {
        var (folder, result) = await SharedSftRun();
        result.ExitCode.Should().Be(0, result.Because);
        return Path.Combine(folder, "final");
    }

    /// <summary>metrics.csv strictly: the header, then lines of exactly three fields (step, metric, a number).</summary>
    public static IReadOnlyList<(int Step, string Metric, double Value)> ReadMetrics(string runFolder)
    {
        var path = Path.Combine(runFolder, "metrics.csv");
        File.Exists(path).Should().BeTrue($"a run writes {path}");
        var lines = File.ReadAllLines(path);
        lines.Should().NotBeEmpty().And.Subject.First().Should().Be("step,metric,value");
        var rows = new List<(int, string, double)>();
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(',');
            fields.Should().HaveCount(3, $"every line of metrics.csv has step, metric and value: '{line}'");
            int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var step).Should().BeTrue($"'{line}' starts with a step number");
            double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var value).Should().BeTrue($"'{line}' ends with a number");
            rows.Add((step, fields[1], value));
        }

        return rows;
    }

    /// <summary>The metric names logged at each step.</summary>
    public static Dictionary<int, HashSet<string>> MetricsByStep(IEnumerable<(int Step, string Metric, double Value)> rows) =>
        rows.GroupBy(r => r.Step).ToDictionary(g => g.Key, g => g.Select(r => r.Metric).ToHashSet(StringComparer.Ordinal));

    /// <summary>Asserts that <paramref name="folder"/> is a checkpoint gym can load: config, weights and gym's metadata.</summary>
    public static void AssertCheckpoint(string folder)
    {
        foreach (var name in new[] { "config.json", "model.safetensors", "gym-policy.json" })
        {
            var path = Path.Combine(folder, name);
            File.Exists(path).Should().BeTrue($"a checkpoint holds {name}");
            new FileInfo(path).Length.Should().BePositive($"{path} is not empty");
        }
    }

}
