using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Testing;

namespace Gym.Environments.Guessing.Tests;

/// <summary>Builds the guessing environment and its expert the way the CLI does.</summary>
public abstract class GuessingContractTests(params string[] parameters) : ExpertContractTests
{
    private static readonly EnvironmentRegistry Registry = new EnvironmentRegistry().AddGuessing();

    protected override IEnvironment CreateEnvironment() => Registry.Make(GuessingEnvironments.SecretNumber, EnvironmentParameters.Parse(parameters));

    protected override IPolicy CreateExpert() =>
        Registry.Get(GuessingEnvironments.SecretNumber).CreateExpert!(EnvironmentParameters.Parse(parameters), new ExpertSettings());
}

public sealed class SecretNumberContractTests() : GuessingContractTests;

public sealed class SecretNumberXmlTagsContractTests() : GuessingContractTests("format=xml-tags");

public sealed class SecretNumberLargeRangeContractTests() : GuessingContractTests("max=1000000000");

/// <summary>The noisy scenario (environment, operator, reward component and state key together) keeps the contract.</summary>
public sealed class NoisyScenarioContractTests : ExpertContractTests
{
    private static readonly Lazy<EnvironmentRegistry> Registry = new(() =>
    {
        var registry = Gym.Modules.GymModules.CreateRegistry();
        Gym.Scenarios.ScenarioEnvironments.Load(ScenarioFiles.Noisy, registry);
        return registry;
    });

    protected override IEnvironment CreateEnvironment() => Registry.Value.Make(ScenarioFiles.NoisyId);

    protected override IPolicy CreateExpert() => Registry.Value.Get(ScenarioFiles.NoisyId).CreateExpert!(EnvironmentParameters.None, new ExpertSettings());
}
