using System.Text.Json;

namespace Gym.Core.Tools;

/// <summary>How error messages name a JSON value's kind ("an object", "a string", …).</summary>
public static class JsonKinds
{
    /// <summary>The kind with its article, as in "must be a list, not <b>a string</b>".</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
