using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Environments.ToolUse.Arithmetic;

namespace Gym.Environments.ToolUse;

/// <summary>Registers the tool-use environments.</summary>
public static class ToolUseEnvironments
{
    /// <summary>The default arithmetic environment (difficulty 3).</summary>
    public const string Arithmetic = "tool-use/arithmetic-v0";

    /// <summary>Single-operation arithmetic (difficulty 1).</summary>
    public const string ArithmeticEasy = "tool-use/arithmetic-easy-v0";

    /// <summary>Six operations with distractors (difficulty 5).</summary>
    public const string ArithmeticHard = "tool-use/arithmetic-hard-v0";

    /// <summary>Adds the tool-use environments to <paramref name="registry"/>.</summary>
    public static EnvironmentRegistry AddToolUse(this EnvironmentRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry
            .BeginModule("tool-use")
            .Register(Describe(Arithmetic, 3, "multi-step arithmetic word problems with a calculator tool (difficulty 3)"))
            .Register(Describe(ArithmeticEasy, 1, "one-operation arithmetic with a calculator tool (difficulty 1)"))
            .Register(Describe(ArithmeticHard, 5, "six-operation arithmetic with distractor numbers (difficulty 5)"));
    }

    private static EnvironmentDescriptor Describe(string id, int difficulty, string description) => new(
        id,
        description,
        ArithmeticOptions.ParameterHelp,
        parameters => new ArithmeticEnvironment(id, ArithmeticOptions.From(parameters, difficulty)),
        (parameters, expert) => new PlanExpert(new ArithmeticEnvironment(id, ArithmeticOptions.From(parameters, difficulty)), expert));
}
