using FluentAssertions;
using Gym.Core.Composition;
using Gym.Core.Episodes;
using Gym.Core.Parsing;
using Gym.Core.Policies;
using Gym.Core.Tools;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Composition;

public sealed class CompositionCoreTests
{
    [Fact]
    public async Task Tools_with_the_same_name_must_be_the_same_tool()
    {
        var secret = new SecretNumberEnvironment(new ToolEnvironmentSettings());
        var environment = Compose.MultiObjective(secret, 2, maxTurns: 5);

        await FluentActions.Invoking(() => environment.ResetAsync(1).AsTask()).Should().ThrowAsync<InvalidOperationException>().WithMessage("*different tools named 'lookup'*");
    }

    [Fact]
    public async Task Shared_tools_are_offered_once()
    {
        var adder = new AdderEnvironment(new ToolEnvironmentSettings());
        var environment = Compose.Sequence(adder, adder);

        var reset = await environment.ResetAsync(1);

        reset.Observation[0].Content.Split("\"name\":\"add\"").Should().HaveCount(2);
    }

    [Fact]
    public void The_fault_injector_wraps_tools_without_renaming_them_and_logs_faults_in_call_order()
    {
        var injector = new ToolFaultInjector(new ToolFaultSpec(ErrorRate: 0.5), 3, TimeSpan.FromSeconds(1));

        var wrapped = injector.Wrap([AdderEnvironment.Add]);

        wrapped.Should().ContainSingle().Which.Name.Should().Be("add");
        wrapped[0].ParametersSchema.GetRawText().Should().Be(AdderEnvironment.Add.ParametersSchema.GetRawText());
        var arguments = System.Text.Json.JsonDocument.Parse("""{"a": 1, "b": 2}""").RootElement;
        var results = Enumerable.Range(0, 40).Select(_ => wrapped[0].InvokeAsync(arguments, CancellationToken.None).AsTask().Result).ToList();
        injector.Calls.Should().Be(40);
        injector.Injected.Select(f => f.CallIndex).Should().BeInAscendingOrder();
        injector.Injected.Select(f => f.CallIndex).Should().Equal(Enumerable.Range(0, 40).Where(i => results[i].IsError).Select(i => (long)i));
        results.Where(r => !r.IsError).Should().OnlyContain(r => r.Content == "3");
    }

    [Fact]
    public void Step_info_merges_with_a_prefix()
    {
        var merged = StepInfo.Empty.With("a", 1).Merge(StepInfo.Empty.With("a", 2).With("b", true), "x.");

        merged.Get("a", 0).Should().Be(1);
        merged.Get("x.a", 0).Should().Be(2);
        merged.Get("x.b", false).Should().BeTrue();
    }
}

/// <summary>The contract on Gym.Core's own composites, so the operators are checked where they are defined.</summary>
public sealed class AdderSequenceContractTests : ExpertContractTests
{
    protected override IEnvironment CreateEnvironment() =>
        Compose.WithDistractors(Compose.Sequence(new AdderEnvironment(new ToolEnvironmentSettings(MaxTurns: 4)), Compose.MultiObjective(new AdderEnvironment(new ToolEnvironmentSettings()), 2)), 0.5);

    protected override IPolicy CreateExpert() =>
        new PlanExpert(((DistractorEnvironment)CreateEnvironment()).Inner as ITaskSource ?? throw new InvalidOperationException(), new ExpertSettings());
}

public sealed class AdderToolFaultContractTests : ExpertContractTests
{
    protected override IEnvironment CreateEnvironment() =>
        new AdderEnvironment(new ToolEnvironmentSettings(MaxTurns: 12, Format: ActionFormat.XmlTags, Faults: new ToolFaultSpec(0.2, 0.2)));

    protected override IPolicy CreateExpert() => new PlanExpert((ITaskSource)CreateEnvironment(), new ExpertSettings());
}
