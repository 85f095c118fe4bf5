using Gym.Core.Composition;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Rewards;
using Gym.Core.Tools;
using Gym.Testing;

namespace Gym.Environments.ToolUse.Tests;

/// <summary>The environment contract for each composition operator over the arithmetic environment, with the plan expert.</summary>
public abstract class CompositionContractTests : ExpertContractTests
{
    /// <summary>The task source the expert regenerates tasks from (the environment itself, or the one a wrapper wraps).</summary>
    protected abstract ITaskSource CreateSource();

    /// <summary>Wraps the source into the environment under test; the source itself by default.</summary>
    protected virtual IEnvironment Wrap(ITaskSource source) => (IEnvironment)source;

    protected override IEnvironment CreateEnvironment() => Wrap(CreateSource());

    protected override IPolicy CreateExpert() => new PlanExpert(CreateSource(), new ExpertSettings());
}

public sealed class SequenceContractTests : CompositionContractTests
{
    protected override ITaskSource CreateSource() => Compose.Sequence(ContextPlay.Arithmetic(1), ContextPlay.Arithmetic(3));
}

public sealed class SequenceXmlTagsContractTests : CompositionContractTests
{
    protected override ITaskSource CreateSource() => Compose.Sequence([ContextPlay.Arithmetic(2, "xml-tags"), ContextPlay.Arithmetic(2, "xml-tags")], maxTurns: 9, id: "test/sequence-v0");
}

public sealed class NestedSequenceContractTests : CompositionContractTests
{
    protected override ITaskSource CreateSource() =>
        Compose.Sequence(Compose.Sequence(ContextPlay.Arithmetic(1), ContextPlay.Arithmetic(1)), Compose.MultiObjective(ContextPlay.Arithmetic(2), 2));
}

public sealed class MultiObjectiveContractTests : CompositionContractTests
{
    protected override ITaskSource CreateSource() => Compose.MultiObjective(ContextPlay.Arithmetic(3), 3);
}

public sealed class MultiObjectiveMeanXmlTagsContractTests : CompositionContractTests
{
    protected override ITaskSource CreateSource() =>
        Compose.MultiObjective(ContextPlay.Arithmetic(2, "xml-tags"), 2, ObjectiveAggregate.Mean, separator: " | ");
}

public sealed class DistractorContractTests : CompositionContractTests
{
    protected override ITaskSource CreateSource() => ContextPlay.Arithmetic(3);

    protected override IEnvironment Wrap(ITaskSource source) => Compose.WithDistractors((IEnvironment)source, 0.5);
}

public sealed class MisleadingDistractorContractTests : CompositionContractTests
{
    protected override ITaskSource CreateSource() => Compose.MultiObjective(ContextPlay.Arithmetic(2), 2);

    protected override IEnvironment Wrap(ITaskSource source) => Compose.WithDistractors((IEnvironment)source, 1.0, misleading: true);
}

public sealed class ToolFaultContractTests : CompositionContractTests
{
    protected override ITaskSource CreateSource() =>
        Compose.WithToolFaults(ContextPlay.Arithmetic(3), new ToolFaultSpec(ErrorRate: 0.2, TimeoutRate: 0.1, LatencyRate: 0.1, LatencyMs: 1), maxTurns: 16);
}
