using Gym.Core.Registry;

namespace Gym.Cluster.Episodes;

/// <summary>
/// Resolves what a head names in <see cref="Wire.PlayShardedEpisode.Source"/> (an environment id or a
/// scenario path) to a registry holding that environment: each node loads environments, indexes and
/// tools itself. Implementations cache: one load per source per process.
/// </summary>
public interface IEnvironmentSource
{
    /// <summary>The registry for <paramref name="source"/>; throws a user error when it cannot be loaded.</summary>
    EnvironmentRegistry Resolve(string source);
}
