namespace Gym.Core.Tools;

/// <summary>Identity checks over tool lists, for objects built from tools and reused while the tools stay the same.</summary>
internal static class ToolInstances
{
    /// <summary>Whether <paramref name="tools"/> holds exactly the instances of <paramref name="known"/>, in the same order.</summary>
    public static bool Same(ITool[] known, IReadOnlyList<ITool> tools)
    {
        if (known.Length != tools.Count)
        {
            return false;
        }

        for (var i = 0; i < known.Length; i++)
        {
            if (!ReferenceEquals(known[i], tools[i]))
            {
                return false;
            }
        }

        return true;
    }
}
