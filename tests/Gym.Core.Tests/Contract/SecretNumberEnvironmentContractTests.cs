using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Policies;
using Gym.Testing;

namespace Gym.Core.Tests.Contract;

/// <summary>Runs the contract suite on Gym.Core's own test environment, so the suite is exercised where it is defined.</summary>
public sealed class SecretNumberEnvironmentContractTests : ExpertContractTests
{
    protected override IEnvironment CreateEnvironment() => new SecretNumberEnvironment(new ToolEnvironmentSettings(MaxTurns: 3));

    protected override IPolicy CreateExpert() => new SecretNumberExpert(ActionFormat.JsonToolCalls);
}

/// <summary>The same contract with XML tags and a single-turn limit (the edge where the first step is also the last; too short for the expert, which looks the key up first).</summary>
public sealed class SecretNumberXmlOneTurnContractTests : EnvironmentContractTests
{
    protected override IEnvironment CreateEnvironment() => new SecretNumberEnvironment(new ToolEnvironmentSettings(MaxTurns: 1, Format: ActionFormat.XmlTags));
}
