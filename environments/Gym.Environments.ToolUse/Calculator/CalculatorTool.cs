using System.Text.Json;
using Gym.Core.Tools;

namespace Gym.Environments.ToolUse.Calculator;

/// <summary>The <c>calculator</c> tool: evaluates one arithmetic expression exactly.</summary>
public sealed class CalculatorTool : ITool
{
    /// <summary>The tool name agents call.</summary>
    public const string ToolName = "calculator";

    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "expression": { "type": "string", "description": "An arithmetic expression, e.g. (12 + 7) * 3 / 2. Operators: + - * / % ^ and parentheses." }
          },
          "required": ["expression"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    /// <summary>The shared instance; the tool is stateless.</summary>
    public static CalculatorTool Instance { get; } = new();

    /// <inheritdoc />
    public string Name => ToolName;

    /// <inheritdoc />
    public string Description => "Evaluates an arithmetic expression exactly and returns the number, or a precise error.";

    /// <inheritdoc />
    public JsonElement ParametersSchema => Schema;

    /// <inheritdoc />
    /// <remarks>Expressions are capped at 512 characters and 64 levels of nesting, so evaluation is microseconds.</remarks>
    public bool RunsInline => true;

    /// <inheritdoc />
    public ValueTask<ToolResult> InvokeAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        var expression = arguments.GetProperty("expression").GetString() ?? string.Empty;
        var result = ExpressionEvaluator.Evaluate(expression);
        return ValueTask.FromResult(result.IsSuccess ? ToolResult.Ok(result.Format()) : ToolResult.Fail(result.Format()));
    }
}
