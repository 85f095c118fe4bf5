using System.Text.Json;
using System.Text.RegularExpressions;
using FluentAssertions;
using Xunit;

namespace Gym.Scenarios.Tests;

/// <summary>
/// docs/scenario.schema.json and the key tables of docs/scenarios.md are generated from the schema
/// description the loader uses. To regenerate both after changing it:
/// <c>GYM_UPDATE_SCHEMA=1 dotnet test tests/Gym.Scenarios.Tests</c>.
/// </summary>
public sealed partial class SchemaTests
{
    private const string Regenerate = "run `GYM_UPDATE_SCHEMA=1 dotnet test tests/Gym.Scenarios.Tests` to regenerate it";
    private const string BeginTables = "<!-- BEGIN GENERATED KEY TABLES: ScenarioSchema.ToMarkdown() -->";
    private const string EndTables = "<!-- END GENERATED KEY TABLES -->";

    private static bool Update => Environment.GetEnvironmentVariable("GYM_UPDATE_SCHEMA") == "1";

    private static string SchemaPath => Path.Combine(TestFiles.RepositoryRoot, "docs", "scenario.schema.json");

    private static string ReferencePath => Path.Combine(TestFiles.RepositoryRoot, "docs", "scenarios.md");

    [GeneratedRegex(@"```yaml\n(# example: [^\n]+\n.*?)```", RegexOptions.Singleline)]
    private static partial Regex ExampleBlock();

    [Fact]
    public void The_committed_json_schema_is_the_generated_one()
    {
        var generated = ScenarioSchema.ToJsonSchema(TestFiles.Registry());
        if (Update)
        {
            File.WriteAllText(SchemaPath, generated);
        }

        File.Exists(SchemaPath).Should().BeTrue($"docs/scenario.schema.json is generated; {Regenerate}");
        File.ReadAllText(SchemaPath).ReplaceLineEndings("\n").Should().Be(generated, $"docs/scenario.schema.json is out of date; {Regenerate}");
    }

    [Fact]
    public void The_key_tables_in_the_reference_are_the_generated_ones()
    {
        var text = File.ReadAllText(ReferencePath).ReplaceLineEndings("\n");
        var begin = text.IndexOf(BeginTables, StringComparison.Ordinal);
        var end = text.IndexOf(EndTables, StringComparison.Ordinal);
        begin.Should().BeGreaterThan(0, "docs/scenarios.md marks its generated key tables");
        end.Should().BeGreaterThan(begin);
        var start = begin + BeginTables.Length + 1;
        var generated = "\n" + ScenarioSchema.ToMarkdown(TestFiles.Registry());
        if (Update)
        {
            text = string.Concat(text.AsSpan(0, start), generated, text.AsSpan(end));
            File.WriteAllText(ReferencePath, text);
            end = text.IndexOf(EndTables, StringComparison.Ordinal);
        }

        text[start..end].Should().Be(generated, $"the key tables in docs/scenarios.md are out of date; {Regenerate}");
    }

    [Theory]
    [InlineData("COMPONENT TABLE")]
    [InlineData("STATE KEY TABLE")]
    public void The_reward_reference_tables_are_generated_from_the_registry(string table)
    {
        var path = Path.Combine(TestFiles.RepositoryRoot, "docs", "rewards.md");
        var (begin, end) = ($"<!-- BEGIN GENERATED {table} -->", $"<!-- END GENERATED {table} -->");
        var text = File.ReadAllText(path).ReplaceLineEndings("\n");
        var from = text.IndexOf(begin, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        from.Should().BeGreaterThan(0, $"docs/rewards.md marks its generated {table}");
        to.Should().BeGreaterThan(from);
        var start = from + begin.Length + 1;
        var generated = table == "COMPONENT TABLE" ? ScenarioSchema.ToComponentTable(TestFiles.Registry()) : ScenarioSchema.ToStateKeyTable(TestFiles.Registry());
        if (Update)
        {
            text = string.Concat(text.AsSpan(0, start), generated, text.AsSpan(to));
            File.WriteAllText(path, text);
            to = text.IndexOf(end, StringComparison.Ordinal);
        }

        text[start..to].Should().Be(generated, $"the {table} in docs/rewards.md is out of date; {Regenerate}");
    }

    [Fact]
    public void The_json_schema_is_draft_2020_12_closed_and_complete()
    {
        var registry = TestFiles.Registry();
        using var document = JsonDocument.Parse(ScenarioSchema.ToJsonSchema(registry));
        var root = document.RootElement;

        root.GetProperty("$schema").GetString().Should().Be("https://json-schema.org/draft/2020-12/schema");
        root.GetProperty("additionalProperties").GetBoolean().Should().BeFalse();
        var keys = root.GetProperty("properties").EnumerateObject().Select(p => p.Name);
        keys.Should().Equal("extends", "id", "description", "task", "operators", "tools", "action_format", "system_prompt", "limits", "memory", "rewards", "policy", "seed", "episodes");
        root.GetProperty("properties").GetProperty("operators").GetProperty("items").GetProperty("oneOf").GetArrayLength().Should().Be(Gym.Core.Composition.OperatorRegistry.BuiltInKinds.Count + registry.Operators.Kinds.Count, "one entry per built-in and per registered operator");

        var definitions = root.GetProperty("$defs");
        foreach (var definition in definitions.EnumerateObject())
        {
            definition.Value.GetProperty("additionalProperties").GetBoolean().Should().BeFalse(definition.Name);
            definition.Value.GetProperty("description").GetString().Should().NotBeNullOrWhiteSpace(definition.Name);
            foreach (var property in definition.Value.GetProperty("properties").EnumerateObject())
            {
                property.Value.GetProperty("description").GetString().Should().NotBeNullOrWhiteSpace($"{definition.Name}.{property.Name}");
            }
        }

        var limits = definitions.GetProperty("limits").GetProperty("properties").GetProperty("max_turns");
        limits.GetProperty("minimum").GetInt32().Should().Be(1);
        limits.GetProperty("maximum").GetInt32().Should().Be(1024);
        definitions.GetProperty("memory").GetProperty("properties").GetProperty("mode").GetProperty("enum").EnumerateArray().Select(e => e.GetString())
            .Should().Equal("full", "mem1", "window", "strip-think");
    }

    [Theory]
    [InlineData("Solve it.", true)]
    [InlineData("At most {max_turns} turns with {tool_names}:\n{tools}\n{format}", true)]
    [InlineData("Reply {{\"answer\": 1}} }}{{", true)]
    [InlineData("Solve {problem}.", false)]
    [InlineData("Reply {\"answer\": 1}", false)]
    [InlineData("Unclosed {max_turns", false)]
    [InlineData("Stray } brace", false)]
    [InlineData("", false)]
    public void The_editor_pattern_for_system_prompt_agrees_with_the_loader(string template, bool valid)
    {
        using var document = JsonDocument.Parse(ScenarioSchema.ToJsonSchema(TestFiles.Registry()));
        var property = document.RootElement.GetProperty("properties").GetProperty("system_prompt");
        var pattern = new Regex(property.GetProperty("pattern").GetString()!, RegexOptions.ECMAScript);
        var minLength = property.GetProperty("minLength").GetInt32();

        var editorAccepts = template.Length >= minLength && pattern.IsMatch(template);
        var path = ScenarioLoaderTests.WriteTemp($"id: tool-use/x\ntask: {{environment: tool-use/arithmetic-v0}}\nsystem_prompt: {JsonSerializer.Serialize(template)}\n");
        var loaderAccepts = ScenarioLoader.Load(path).Succeeded;

        editorAccepts.Should().Be(valid);
        loaderAccepts.Should().Be(valid);
    }

    [Fact]
    public void Every_reference_in_the_json_schema_resolves()
    {
        var text = ScenarioSchema.ToJsonSchema(TestFiles.Registry());
        using var document = JsonDocument.Parse(text);
        var definitions = document.RootElement.GetProperty("$defs").EnumerateObject().Select(p => p.Name).ToHashSet();

        var references = Regex.Matches(text, "\"\\$ref\": \"#/\\$defs/([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();

        references.Should().NotBeEmpty();
        references.Should().OnlyContain(name => definitions.Contains(name));
    }

    [Fact]
    public void Every_complete_example_in_the_reference_validates_against_the_registry()
    {
        var text = File.ReadAllText(ReferencePath).ReplaceLineEndings("\n");
        var examples = ExampleBlock().Matches(text).Select(m => m.Groups[1].Value).ToList();
        examples.Should().HaveCountGreaterThanOrEqualTo(5, "the reference has an example per operator");

        foreach (var example in examples)
        {
            var path = ScenarioLoaderTests.WriteTemp(example);
            var errors = ScenarioLoader.Load(path, TestFiles.Registry()).Errors;
            errors.Should().BeEmpty(example.Split('\n')[0]);
        }
    }

    [Fact]
    public void Every_complete_example_in_the_rewards_reference_builds()
    {
        var text = File.ReadAllText(Path.Combine(TestFiles.RepositoryRoot, "docs", "rewards.md")).ReplaceLineEndings("\n");
        var examples = ExampleBlock().Matches(text).Select(m => m.Groups[1].Value).ToList();
        examples.Should().HaveCountGreaterThanOrEqualTo(4, "docs/rewards.md shows complete scenarios for rewards, milestones, rubrics and combinators");

        foreach (var example in examples)
        {
            var path = ScenarioLoaderTests.WriteTemp(example);
            var build = () => ScenarioEnvironments.Load(path, TestFiles.Registry());
            build.Should().NotThrow(example.Split('\n')[0]);
        }
    }
}
