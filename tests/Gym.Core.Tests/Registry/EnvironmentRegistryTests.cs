using FluentAssertions;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Registry;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Registry;

public sealed class EnvironmentRegistryTests
{
    private static readonly IReadOnlyDictionary<string, string> Help = new Dictionary<string, string>
    {
        ["max_turns"] = "turn limit",
        ["format"] = "json-tool-calls | xml-tags",
    };

    private static EnvironmentDescriptor Descriptor(string id) => new(
        id,
        "a test environment",
        Help,
        parameters => new SecretNumberEnvironment(new ToolEnvironmentSettings(
            MaxTurns: parameters.GetInt("max_turns", 3, 1, 10),
            Format: parameters.GetEnum("format", ActionFormat.JsonToolCalls))),
        (parameters, _) => new SecretNumberExpert(parameters.GetEnum("format", ActionFormat.JsonToolCalls)));

    private static EnvironmentRegistry Registry() => new EnvironmentRegistry()
        .Register(Descriptor("test/secret-number-v0"))
        .Register(Descriptor("test/secret-number-v1"))
        .Register(Descriptor("maths/long-division-v2"));

    [Theory]
    [InlineData("tool-use/arithmetic-v0")]
    [InlineData("a/b-v1")]
    [InlineData("search-qa/multi-hop-2-v10")]
    [InlineData("x1/y2-z3-v0")]
    public void Accepts_ids_shaped_family_slash_name_dash_version(string id)
    {
        var registry = new EnvironmentRegistry().Register(Descriptor(id));

        registry.Get(id).Id.Should().Be(id);
    }

    [Theory]
    [InlineData("arithmetic-v0")]
    [InlineData("tool-use/arithmetic")]
    [InlineData("tool-use/arithmetic-v")]
    [InlineData("Tool-Use/arithmetic-v0")]
    [InlineData("tool_use/arithmetic-v0")]
    [InlineData("tool-use/arithmetic-V0")]
    [InlineData("tool-use//arithmetic-v0")]
    [InlineData("tool-use/-arithmetic-v0")]
    [InlineData("a/b/c-v0")]
    [InlineData(" tool-use/arithmetic-v0")]
    [InlineData("tool-use/arithmetic-v0\n")]
    [InlineData("")]
    public void Rejects_ids_that_do_not_match_the_pattern(string id)
    {
        var register = () => new EnvironmentRegistry().Register(Descriptor(id));

        register.Should().Throw<ArgumentException>().WithMessage($"*must look like family/name-v0*");
    }

    [Fact]
    public void Rejects_a_duplicate_id()
    {
        var register = () => Registry().Register(Descriptor("test/secret-number-v1"));

        register.Should().Throw<ArgumentException>().WithMessage("environment id 'test/secret-number-v1' is already registered*");
    }

    [Fact]
    public void Lists_descriptors_in_id_order()
    {
        Registry().All.Select(d => d.Id).Should().Equal("maths/long-division-v2", "test/secret-number-v0", "test/secret-number-v1");
    }

    [Theory]
    [InlineData("test/secret-numbr-v0", "test/secret-number-v0")]
    [InlineData("test/secret-number-v2", "test/secret-number-v0")]
    [InlineData("test/secret-number-v11", "test/secret-number-v1")]
    [InlineData("maths/long-divison", "maths/long-division-v2")]
    public void An_unknown_id_suggests_the_nearest_registered_one(string id, string nearest)
    {
        var get = () => Registry().Get(id);

        get.Should().Throw<UnknownEnvironmentException>()
            .WithMessage($"unknown environment '{id}'; did you mean '{nearest}'? (gym list shows all)");
    }

    [Fact]
    public void An_empty_registry_says_so()
    {
        var make = () => new EnvironmentRegistry().Make("a/b-v0");

        make.Should().Throw<UnknownEnvironmentException>().WithMessage("unknown environment 'a/b-v0'; no environments are registered");
    }

    [Fact]
    public void Makes_an_environment_with_its_parameters()
    {
        var environment = Registry().Make("test/secret-number-v0", EnvironmentParameters.Parse(["max_turns=7", "format=xml-tags"]));

        environment.Id.Should().Be(SecretNumberEnvironment.EnvironmentId);
        environment.MaxTurns.Should().Be(7);
        ((SecretNumberEnvironment)environment).Settings.Format.Should().Be(ActionFormat.XmlTags);
        Registry().Make("test/secret-number-v0").MaxTurns.Should().Be(3, "absent parameters take their defaults");
    }

    [Fact]
    public void An_unknown_parameter_is_rejected_naming_the_known_ones()
    {
        var make = () => Registry().Make("test/secret-number-v0", EnvironmentParameters.Parse(["max_turns=2", "max_turn=5"]));

        make.Should().Throw<EnvironmentParameterException>()
            .WithMessage("unknown parameter 'max_turn' for test/secret-number-v0 (known: max_turns, format)");
    }

    [Fact]
    public void An_out_of_range_parameter_is_rejected_by_the_factory()
    {
        var make = () => Registry().Make("test/secret-number-v0", EnvironmentParameters.Parse(["max_turns=11"]));

        make.Should().Throw<EnvironmentParameterException>().WithMessage("parameter 'max_turns' must be between 1 and 10 (got 11)");
    }

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    [InlineData("abc", "", 3)]
    [InlineData("same", "same", 0)]
    [InlineData("flaw", "lawn", 2)]
    [InlineData("a/b-v0", "a/b-v1", 1)]
    public void Computes_the_levenshtein_distance(string a, string b, int expected)
    {
        EnvironmentRegistry.EditDistance(a, b).Should().Be(expected);
        EnvironmentRegistry.EditDistance(b, a).Should().Be(expected);
    }
}
