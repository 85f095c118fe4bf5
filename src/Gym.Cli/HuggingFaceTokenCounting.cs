using System.Runtime.CompilerServices;
using Gym.Core.Context;

namespace Gym.Cli;

/// <summary>
/// Token counting with a Hugging Face tokenizer.json, registered at start-up. It lives apart from
/// <see cref="GymCli"/> so that registering it does not load Gym.Learning (and TorchSharp's managed
/// half): only a command that counts tokens with such a file pays for it, and <c>gym serve</c> stays
/// free of both.
/// </summary>
internal static class HuggingFaceTokenCounting
{
    /// <summary>Loads the counter for the tokenizer file at <paramref name="path"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ITokenCounter Load(string path) => Gym.Learning.Policy.ChatTemplateTokenCounter.FromTokenizerFile(path);
}
