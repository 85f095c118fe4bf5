using System.Text.Json;
using Gym.Core.Tools;

namespace Gym.Testing;

/// <summary>A tool whose behaviour is a lambda, for exercising the toolbox and parsers.</summary>
public sealed class DelegateTool(string name, string schemaJson, Func<JsonElement, CancellationToken, ValueTask<ToolResult>> invoke) : ITool
{
    /// <summary>A schema with one required string parameter.</summary>
    public static string SingleStringParameter(string parameter) =>
        "{\"type\": \"object\", \"properties\": {\"" + parameter + "\": {\"type\": \"string\"}}, \"required\": [\"" + parameter + "\"], \"additionalProperties\": false}";

    /// <summary>A tool with one required string parameter that echoes it back.</summary>
    public static DelegateTool Echo(string name = "echo", string parameter = "text") => new(
        name,
        SingleStringParameter(parameter),
        (arguments, _) => ValueTask.FromResult(ToolResult.Ok(arguments.GetProperty(parameter).GetString()!)));

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public string Description => $"test tool {Name}";

    /// <inheritdoc />
    public JsonElement ParametersSchema { get; } = JsonDocument.Parse(schemaJson).RootElement.Clone();

    /// <summary>How many times the tool was invoked.</summary>
    public int Calls { get; private set; }

    /// <inheritdoc />
    public bool RunsInline { get; init; }

    /// <inheritdoc />
    public ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        Calls++;
        return invoke(arguments, cancellationToken);
    }
}
