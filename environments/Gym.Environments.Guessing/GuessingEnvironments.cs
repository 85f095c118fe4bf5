using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Environments.Guessing.Operators;
using Gym.Environments.Guessing.Rewards;
using Gym.Environments.Guessing.SecretNumber;

namespace Gym.Environments.Guessing;

/// <summary>Registers the guessing module.</summary>
public static class GuessingEnvironments
{
    /// <summary>Guess a secret number in [1, max] with a higher/lower hint tool.</summary>
    public const string SecretNumber = "guessing/secret-number-v0";

    /// <summary>
    /// Adds the guessing module to <paramref name="registry"/>: its environment, the
    /// <c>search_efficiency</c> reward component, the guessing state keys (<c>hints</c>,
    /// <c>bits_gained</c>, <c>found</c>) and the <c>with-noisy-hints</c> scenario operator.
    /// </summary>
    public static EnvironmentRegistry AddGuessing(this EnvironmentRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.BeginModule("guessing");
        registry.StateKeys.Add(GuessingState.Provider);
        foreach (var kind in GuessingRewardComponents.Kinds)
        {
            registry.Rewards.Register(kind);
        }

        registry.Operators.Register(NoisyHints.Operator);
        return registry.Register(new EnvironmentDescriptor(
            SecretNumber,
            "guess a secret number in [1, max] with a higher/lower hint tool (binary-search expert)",
            SecretNumberOptions.ParameterHelp,
            parameters => new GuessingEnvironment(SecretNumber, SecretNumberOptions.From(parameters)),
            (parameters, expert) => new PlanExpert(new GuessingEnvironment(SecretNumber, SecretNumberOptions.From(parameters)), expert)));
    }
}
