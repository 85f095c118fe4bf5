using System.Text.Json;
using FluentAssertions;
using Gym.Core.Tools;
using Gym.Environments.ToolUse.Calculator;
using Xunit;

namespace Gym.Environments.ToolUse.Tests;

public sealed class CalculatorToolTests
{
    private readonly Toolbox _toolbox = new([CalculatorTool.Instance], TimeSpan.FromSeconds(5));

    private async Task<ToolResult> InvokeAsync(string argumentsJson)
    {
        var invocation = await _toolbox.InvokeAsync(new ToolCall(CalculatorTool.ToolName, JsonDocument.Parse(argumentsJson).RootElement.Clone()), CancellationToken.None);
        return invocation.Result;
    }

    [Theory]
    [InlineData("4512 + 317", "4829")]
    [InlineData("(12 + 7) * 3 / 2", "28.5")]
    [InlineData("1000000000000 / 8", "125000000000")]
    [InlineData("2 ^ 10 - 24", "1000")]
    [InlineData("10 % 4", "2")]
    [InlineData("0.1 + 0.2", "0.3")]
    [InlineData("0 * -1", "0")]
    public async Task Evaluates_expressions_exactly(string expression, string expected)
    {
        var result = await InvokeAsync(JsonSerializer.Serialize(new { expression }));

        result.Should().Be(ToolResult.Ok(expected));
    }

    [Theory]
    [InlineData("1 / 0")]
    [InlineData("2 +")]
    [InlineData("two plus two")]
    [InlineData("")]
    [InlineData("(1 + 2")]
    public async Task Reports_bad_expressions_as_tool_errors_with_the_calculator_message(string expression)
    {
        var result = await InvokeAsync(JsonSerializer.Serialize(new { expression }));

        result.Error.Should().Be(ToolErrorKind.ToolError);
        result.Content.Should().Be(ExpressionEvaluator.Evaluate(expression).Format()).And.NotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("{}", "invalid arguments for 'calculator': arguments is missing the required parameter 'expression'")]
    [InlineData("""{"expression": 42}""", "invalid arguments for 'calculator': parameter 'expression' must be a string, not a number")]
    [InlineData("""{"expression": "1", "precision": 3}""", "invalid arguments for 'calculator': arguments has an unknown parameter 'precision' (known: expression)")]
    [InlineData("""["1 + 1"]""", "invalid arguments for 'calculator': arguments must be an object, not an array")]
    public async Task Rejects_arguments_that_break_its_schema(string argumentsJson, string message)
    {
        var result = await InvokeAsync(argumentsJson);

        result.Should().Be(new ToolResult(message, ToolErrorKind.InvalidArguments));
    }

    [Fact]
    public void Describes_itself_for_the_prompt()
    {
        var tool = CalculatorTool.Instance;

        tool.Name.Should().Be("calculator");
        tool.Description.Should().NotBeNullOrWhiteSpace();
        tool.ParametersSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Should().Equal("expression");
        _toolbox.DescribeAsJson().Should().Contain("\"name\":\"calculator\"").And.Contain("+ - * / % ^");
    }
}
