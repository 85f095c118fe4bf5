using Gym.Runtime.Policies;

namespace Gym.Runtime.Hosting;

/// <summary>Settings of the Gym actor runtime.</summary>
public sealed class GymRuntimeOptions
{
    /// <summary>The actor system's name.</summary>
    public string SystemName { get; set; } = "gym";

    /// <summary>How the policy gateway batches.</summary>
    public PolicyGatewayOptions Gateway { get; set; } = new();

    /// <summary>Akka's own log level (DEBUG, INFO, WARNING, ERROR, OFF); the CLI keeps it quiet.</summary>
    public string AkkaLogLevel { get; set; } = "WARNING";
}
