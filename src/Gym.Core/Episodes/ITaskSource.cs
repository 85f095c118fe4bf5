namespace Gym.Core.Episodes;

/// <summary>
/// Makes tasks from seeds, with the settings they are played under. Every
/// <see cref="ToolEnvironment"/> is one; composition operators build on it, and the generic expert
/// regenerates an episode's task (and its plan) from the episode seed through it.
/// </summary>
public interface ITaskSource
{
    /// <summary>The limits, action format and weights tasks from this source are played with.</summary>
    ToolEnvironmentSettings Settings { get; }

    /// <summary>
    /// A fresh task for <paramref name="seed"/>: a pure function of the seed and the source's
    /// configuration, safe to call concurrently (experts call it while episodes run).
    /// </summary>
    EpisodeTask CreateTask(long seed);
}
