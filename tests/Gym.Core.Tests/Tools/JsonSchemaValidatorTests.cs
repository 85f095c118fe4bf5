using System.Text.Json;
using FluentAssertions;
using Gym.Core.Tools;
using Xunit;

namespace Gym.Core.Tests.Tools;

public sealed class JsonSchemaValidatorTests
{
    private const string Schema = """
        {
          "type": "object",
          "properties": {
            "query": { "type": "string" },
            "limit": { "type": "integer" },
            "ratio": { "type": "number" },
            "exact": { "type": "boolean" },
            "mode": { "type": "string", "enum": ["fast", "slow"] },
            "tags": { "type": "array", "items": { "type": "string" } },
            "range": { "type": "object", "properties": { "from": { "type": "integer" } }, "required": ["from"], "additionalProperties": false }
          },
          "required": ["query"],
          "additionalProperties": false
        }
        """;

    private static string? Validate(string value, string schema = Schema)
    {
        using var schemaDocument = JsonDocument.Parse(schema);
        using var valueDocument = JsonDocument.Parse(value);
        return JsonSchemaValidator.Validate(schemaDocument.RootElement, valueDocument.RootElement);
    }

    [Theory]
    [InlineData("""{"query": "cats"}""")]
    [InlineData("""{"query": "cats", "limit": 3, "ratio": 0.5, "exact": false, "mode": "slow", "tags": ["a", "b"], "range": {"from": 2}}""")]
    [InlineData("""{"query": "", "ratio": 7, "tags": []}""")]
    public void Accepts_values_that_satisfy_the_schema(string value) => Validate(value).Should().BeNull();

    [Theory]
    [InlineData("[]", "arguments must be an object, not an array")]
    [InlineData("\"q\"", "arguments must be an object, not a string")]
    [InlineData("null", "arguments must be an object, not null")]
    [InlineData("{}", "arguments is missing the required parameter 'query'")]
    [InlineData("""{"query": 1}""", "parameter 'query' must be a string, not a number")]
    [InlineData("""{"query": "q", "limit": 2.5}""", "parameter 'limit' must be an integer, not a number")]
    [InlineData("""{"query": "q", "limit": "3"}""", "parameter 'limit' must be an integer, not a string")]
    [InlineData("""{"query": "q", "ratio": true}""", "parameter 'ratio' must be a number, not a boolean")]
    [InlineData("""{"query": "q", "exact": "yes"}""", "parameter 'exact' must be a boolean, not a string")]
    [InlineData("""{"query": "q", "mode": "medium"}""", "parameter 'mode' must be one of \"fast\", \"slow\"")]
    [InlineData("""{"query": "q", "tags": "a"}""", "parameter 'tags' must be an array, not a string")]
    [InlineData("""{"query": "q", "tags": ["a", 2]}""", "parameter 'tags'[1] must be a string, not a number")]
    [InlineData("""{"query": "q", "range": {}}""", "parameter 'range' is missing the required parameter 'from'")]
    [InlineData("""{"query": "q", "range": {"from": 1, "to": 2}}""", "parameter 'range' has an unknown parameter 'to' (known: from)")]
    [InlineData("""{"query": "q", "page": 2}""", "arguments has an unknown parameter 'page' (known: query, limit, ratio, exact, mode, tags, range)")]
    public void Reports_the_first_violation_in_words_an_agent_can_act_on(string value, string expected) =>
        Validate(value).Should().Be(expected);

    [Fact]
    public void Allows_unknown_parameters_unless_additional_properties_is_false()
    {
        Validate("""{"a": 1, "b": 2}""", """{"type": "object", "properties": {"a": {"type": "integer"}}}""").Should().BeNull();
        Validate("""{"b": 2}""", """{"type": "object", "additionalProperties": false}""").Should().Be("arguments has an unknown parameter 'b' (known: none)");
    }

    [Fact]
    public void Treats_a_non_object_schema_or_an_unknown_type_as_accepting_anything()
    {
        Validate("""{"a": 1}""", "true").Should().BeNull();
        Validate("42", """{"type": "decimal128"}""").Should().BeNull();
        Validate("null", """{"type": "null"}""").Should().BeNull();
        Validate("1", """{"type": "null"}""").Should().Be("arguments must be a null, not a number");
    }

    [Fact]
    public void Compares_enum_values_structurally()
    {
        var schema = """{"enum": [1, {"a": [true]}]}""";

        Validate("""{"a": [true]}""", schema).Should().BeNull();
        Validate("1.0", schema).Should().BeNull("1.0 and 1 are the same JSON number");
        Validate("""{"a": [false]}""", schema).Should().Be("""arguments must be one of 1, {"a": [true]}""");
    }
}
