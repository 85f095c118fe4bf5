using FluentAssertions;
using Gym.Core.Context;
using Gym.Scenarios.Yaml;
using Xunit;

namespace Gym.Scenarios.Tests;

public sealed class ExtendsTests
{
    [Fact]
    public void The_child_overrides_scalars_merges_mappings_and_replaces_lists()
    {
        var result = ScenarioLoader.Load(TestFiles.Valid("extends/child.yaml"));

        result.Errors.Should().BeEmpty();
        var spec = result.Spec!;
        spec.Id.Should().Be("tool-use/child", "a scalar in the child overrides the base's");
        spec.Description.Should().Be("the base", "a key only the base has is kept");
        spec.Seed.Should().Be(7);
        spec.Task.Should().BeEquivalentTo(
            new EnvironmentTaskSpec("tool-use/arithmetic-v0", new Dictionary<string, string> { ["difficulty"] = "2", ["digits"] = "5" }),
            "nested mappings merge key by key");
        spec.Limits.Should().Be(new LimitsSpec(6, null, 1000, null), "limits merge key by key");
        spec.Operators.Should().BeEquivalentTo(new OperatorSpec[] { new WithToolFaultsSpec(0.2, 0, 0, 0) }, o => o.RespectingRuntimeTypes(), "operators are replaced, not concatenated");
        spec.Tools.Should().Equal(["calculator"], "lists are replaced");
        spec.SystemPrompt.Should().Be("Base prompt: use {tool_names}.", "a system prompt only the base has is inherited");
        spec.Policy.Should().Be(new ExpertPolicySpec(0.3), "a mapping of the same kind merges");
        spec.Memory.Should().Be(
            new ScenarioMemorySpec(MemoryMode.Mem1, null, new TokenizerSpec(TokenizerKind.File, TestFiles.Valid("data/tokens.tiktoken"))),
            "paths resolve against the file that wrote them, here the base");
    }

    [Fact]
    public void Extends_chains_resolve_recursively()
    {
        var spec = ScenarioLoader.Load(TestFiles.Valid("extends/grandchild.yaml")).Spec!;

        spec.Id.Should().Be("tool-use/grandchild");
        spec.Seed.Should().Be(9);
        spec.Limits.MaxTurns.Should().Be(6, "the middle file's override is inherited");
        spec.Memory.Mode.Should().Be(MemoryMode.Full);
        spec.Memory.Tokenizer.Kind.Should().Be(TokenizerKind.File, "the base's tokenizer is still merged in");
        spec.SystemPrompt.Should().Be("Grandchild prompt: {max_turns} turns.\n", "the grandchild's system prompt overrides the base's");
    }

    [Fact]
    public void A_mapping_that_names_a_different_kind_or_task_replaces_the_base_one()
    {
        var result = ScenarioLoader.Load(TestFiles.Valid("extends/switch-kind.yaml"));

        result.Errors.Should().BeEmpty("the base's environment, params and error_rate must not leak into the child's dataset task and openai policy");
        result.Spec!.Task.Should().Be(new DatasetTaskSpec(TestFiles.Valid("data/problems.jsonl")));
        result.Spec.Policy.Should().Be(new OpenAiPolicySpec("https://api.example.test/v1", "m", null));
    }

    [Fact]
    public void Errors_in_the_base_are_located_in_the_base_file()
    {
        var result = ScenarioLoader.Load(TestFiles.Malformed("error-in-base.yaml"));

        result.Spec.Should().BeNull();
        var inBase = result.Errors.Where(e => e.File.EndsWith("bad-limits.yaml", StringComparison.Ordinal)).ToList();
        inBase.Select(e => (e.Line, e.Column)).Should().Equal((6, 14), (7, 3));
        inBase.Should().OnlyContain(e => e.File == Path.Combine(TestFiles.MalformedDirectory, "bases", "bad-limits.yaml"));
        result.Errors[0].File.Should().Be(TestFiles.Malformed("error-in-base.yaml"), "the loaded file's own errors come first");
    }

    [Fact]
    public void A_cycle_is_reported_once_with_its_chain_at_the_extends_key()
    {
        var result = ScenarioLoader.Load(TestFiles.Malformed("cycle-a.yaml"));

        result.Errors.Should().ContainSingle().Which.Should().Be(new ScenarioError(
            TestFiles.Malformed("cycle-b.yaml"), 3, 1,
            "extends cycle: cycle-a.yaml -> cycle-b.yaml -> cycle-a.yaml",
            "a scenario cannot extend itself, directly or through its bases"));
    }

    [Fact]
    public void Loading_the_same_base_from_two_children_is_not_a_cycle()
    {
        ScenarioLoader.Load(TestFiles.Valid("extends/switch-kind.yaml")).Errors.Should().BeEmpty();
        ScenarioLoader.Load(TestFiles.Valid("extends/grandchild.yaml")).Errors.Should().BeEmpty();
    }

    [Theory]
    [InlineData("scenarios/memory/x.yaml", "../base.yaml", "scenarios/base.yaml")]
    [InlineData("x.yaml", "b.yaml", "b.yaml")]
    [InlineData("x.yaml", "./sub/b.yaml", "sub/b.yaml")]
    [InlineData("/a/b/x.yaml", "../c.yaml", "/a/c.yaml")]
    [InlineData("../x.yaml", "../y.yaml", "../../y.yaml")]
    [InlineData("a/x.yaml", "/abs/y.yaml", "/abs/y.yaml")]
    public void Base_files_are_named_relative_to_the_path_the_user_gave(string from, string relative, string expected)
    {
        DisplayPath.Combine(from, relative).Should().Be(expected);
    }
}
