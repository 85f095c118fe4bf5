using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Testing;

namespace Gym.Environments.ToolUse.Tests;

/// <summary>Builds a registered tool-use environment and its expert the way the CLI does.</summary>
public abstract class ToolUseContractTests(string id, params string[] parameters) : ExpertContractTests
{
    private static readonly EnvironmentRegistry Registry = new EnvironmentRegistry().AddToolUse();

    protected override IEnvironment CreateEnvironment() => Registry.Make(id, EnvironmentParameters.Parse(parameters));

    protected override IPolicy CreateExpert() =>
        Registry.Get(id).CreateExpert!(EnvironmentParameters.Parse(parameters), new ExpertSettings());
}

public sealed class ArithmeticContractTests() : ToolUseContractTests(ToolUseEnvironments.Arithmetic);

public sealed class ArithmeticEasyContractTests() : ToolUseContractTests(ToolUseEnvironments.ArithmeticEasy);

public sealed class ArithmeticHardContractTests() : ToolUseContractTests(ToolUseEnvironments.ArithmeticHard);

public sealed class ArithmeticXmlTagsContractTests() : ToolUseContractTests(ToolUseEnvironments.Arithmetic, "format=xml-tags");
