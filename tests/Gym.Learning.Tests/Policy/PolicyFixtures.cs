using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Tokenization;

namespace Gym.Learning.Tests.Policy;

/// <summary>The Tiny model over the byte tokenizer playing short arithmetic episodes (CPU, well under a second each).</summary>
internal static class PolicyFixtures
{
    private static readonly EnvironmentRegistry Registry = new EnvironmentRegistry().AddToolUse();

    /// <summary>Tiny with room for a few full-history turns of the arithmetic task's long system prompt in bytes.</summary>
    public static PolicyConfig Tiny { get; } = PolicyConfig.Tiny with { MaxPositions = 4096 };

    /// <summary>Easy arithmetic, truncated after <paramref name="maxTurns"/> turns (a random model never answers).</summary>
    public static IEnvironment Arithmetic(int maxTurns = 3) =>
        Registry.Make(ToolUseEnvironments.ArithmeticEasy, EnvironmentParameters.Parse([$"max_turns={maxTurns}"]));

    /// <summary>
    /// A Tiny model whose weight matrices are scaled up from the N(0, 0.02) initialization: a fresh model
    /// attends almost uniformly and scores tokens almost regardless of context, which would make checks
    /// that compare log-probs across contexts and positions blunt.
    /// </summary>
    public static PolicyModel SharpModel(ulong seed, double scale = 6)
    {
        var model = new PolicyModel(Tiny, seed);
        using var noGrad = TorchSharp.torch.no_grad();
        foreach (var parameter in model.parameters().Where(p => p.dim() == 2))
        {
            parameter.mul_(scale);
        }

        return model;
    }

    public static TorchPolicy NewPolicy(PolicyModel model, int maxNewTokens = 12, double temperature = 1.0, ulong seed = 0) =>
        new(model, ByteTokenizer.Instance, new SamplingOptions(maxNewTokens, temperature, Seed: seed), "tiny");

    /// <summary>Plays one episode, counting context tokens with the policy's own template (no tokenizer file to load).</summary>
    public static Task<EpisodeRecord> PlayAsync(IEnvironment environment, TorchPolicy policy, long seed, MemorySpec memory) =>
        EpisodeRunner.RunAsync(environment, policy, seed, seed, ContextPolicy.Create(memory), new ChatTemplateTokenCounter(policy.Template));
}
