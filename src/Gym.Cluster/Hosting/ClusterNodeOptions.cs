using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Gym.Cluster.Hosting;

/// <summary>The split-brain resolver strategies a cluster may use (docs/cluster.md, "Partitions").</summary>
public enum PartitionStrategy
{
    /// <summary>The side holding the oldest node (the head, which every worker joins) survives; the default.</summary>
    KeepOldest,

    /// <summary>The side holding more than half of the nodes survives (the lowest address breaks a tie).</summary>
    KeepMajority,
}

/// <summary>
/// Where a node listens, whom it joins and how it reacts to faults. Read from configuration section
/// <c>Cluster</c> (appsettings.json, or environment variables such as <c>GYM_Cluster__Port</c>), with
/// command-line options applied on top.
/// </summary>
public sealed record ClusterNodeOptions
{
    /// <summary>The configuration section read by <see cref="FromConfiguration"/>.</summary>
    public const string Section = "Cluster";

    /// <summary>The host name or address this node listens on and others reach it by.</summary>
    public string Hostname { get; init; } = "127.0.0.1";

    /// <summary>The TCP port this node listens on; 0 picks a free one (workers).</summary>
    public int Port { get; init; }

    /// <summary>The nodes to join (<c>host:port</c>); empty for a head, which founds the cluster.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    /// <summary>How long a worker keeps trying to reach the head before it gives up with an error.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a node must stay unreachable (and the membership stable) before the split-brain resolver downs it.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(7);

    /// <summary>Which side of a partition survives.</summary>
    public PartitionStrategy Strategy { get; init; } = PartitionStrategy.KeepOldest;

    /// <summary>The Gym version this node announces; nodes of other versions are refused. Leave unset outside tests.</summary>
    public string Version { get; init; } = GymVersion.Current;

    /// <summary>Akka's own log level (OFF, ERROR, WARNING, INFO, DEBUG), written to standard output; OFF keeps a node's output to Gym's own lines.</summary>
    public string LogLevel { get; init; } = "OFF";

    /// <summary>Reads section <see cref="Section"/> of <paramref name="configuration"/>; absent keys keep their defaults.</summary>
    public static ClusterNodeOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        var options = new ClusterNodeOptions();
        string? Text(string key) => section[key] is { Length: > 0 } value ? value : null;
        return options with
        {
            Hostname = Text("Hostname") ?? options.Hostname,
            Port = Text("Port") is { } port ? ParsePort(port, $"{Section}:Port") : options.Port,
            SeedNodes = Text("SeedNodes") is { } seeds ? seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : options.SeedNodes,
            JoinTimeout = Text("JoinTimeout") is { } join ? ParseSeconds(join, $"{Section}:JoinTimeout") : options.JoinTimeout,
            StableAfter = Text("StableAfter") is { } stable ? ParseSeconds(stable, $"{Section}:StableAfter") : options.StableAfter,
            Strategy = Text("Strategy") is { } strategy ? ParseStrategy(strategy) : options.Strategy,
            Version = Text("Version") ?? options.Version,
            LogLevel = Text("LogLevel") is { } level ? ParseLogLevel(level) : options.LogLevel,
        };
    }

    /// <summary>Parses a port (0 to 65535), naming <paramref name="what"/> in the error.</summary>
    public static int ParsePort(string text, string what) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new ClusterConfigurationException($"{what} must be a port number from 0 to 65535 (got '{text}')");

    /// <summary>Parses <c>host:port</c>, naming <paramref name="what"/> in the error.</summary>
    public static (string Host, int Port) ParseEndpoint(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new ClusterConfigurationException($"{what} must be HOST:PORT, e.g. 127.0.0.1:4053 (got '{text}')");
        }

        var port = ParsePort(text[(colon + 1)..], what);
        if (port == 0)
        {
            throw new ClusterConfigurationException($"{what} needs the head's real port, not 0 (got '{text}')");
        }

        return (text[..colon], port);
    }

    private static TimeSpan ParseSeconds(string text, string what)
    {
        var trimmed = text.EndsWith('s') ? text[..^1] : text;
        return double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new ClusterConfigurationException($"{what} must be a positive number of seconds, e.g. 20 or 20s (got '{text}')");
    }

    private static string ParseLogLevel(string text) => text.Trim().ToUpperInvariant() is var level && level is "OFF" or "ERROR" or "WARNING" or "INFO" or "DEBUG"
        ? level
        : throw new ClusterConfigurationException($"{Section}:LogLevel must be OFF, ERROR, WARNING, INFO or DEBUG (got '{text}')");

    private static PartitionStrategy ParseStrategy(string text) => text.Trim().ToLowerInvariant() switch
    {
        "keep-oldest" => PartitionStrategy.KeepOldest,
        "keep-majority" => PartitionStrategy.KeepMajority,
        _ => throw new ClusterConfigurationException($"{Section}:Strategy must be keep-oldest or keep-majority (got '{text}')"),
    };
}

/// <summary>A cluster setting that cannot be used; its message is the one line a user sees.</summary>
public sealed class ClusterConfigurationException(string message) : Exception(message), Gym.Core.IUserError;

/// <summary>The version of Gym this process runs, which every node of a cluster must share.</summary>
public static class GymVersion
{
    /// <summary>The informational version of the Gym.Cluster assembly (the build's version).</summary>
    public static string Current { get; } =
        (typeof(GymVersion).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];
}

/// <summary>The configuration a node reads its <see cref="ClusterNodeOptions"/> from.</summary>
public static class ClusterConfiguration
{
    /// <summary>The prefix of environment variables read (<c>GYM_Cluster__Port=4053</c>).</summary>
    public const string EnvironmentPrefix = "GYM_";

    /// <summary>
    /// <c>appsettings.json</c> in <paramref name="directory"/> (optional), then environment variables
    /// prefixed <see cref="EnvironmentPrefix"/>, the later winning, in the usual Microsoft.Extensions.Configuration way.
    /// </summary>
    public static IConfiguration Load(string directory) =>
        new ConfigurationBuilder()
            .SetBasePath(directory)
            .AddJsonFile("appsettings.json", optional: true, reloadOnChange: false)
            .AddEnvironmentVariables(EnvironmentPrefix)
            .Build();
}
