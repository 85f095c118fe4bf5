using FluentAssertions;
using Gym.Core.Episodes;
using Xunit;

namespace Gym.Core.Tests.Composition;

public sealed class TurnsLeftHintTests
{
    [Fact]
    public async Task Observations_end_with_the_MEM1_turns_left_hint_when_asked()
    {
        var environment = new AdderEnvironment(new ToolEnvironmentSettings(MaxTurns: 3) { TurnsLeftHint = true });
        await environment.ResetAsync(1);

        var first = await environment.StepAsync("junk");
        var second = await environment.StepAsync("junk");
        var last = await environment.StepAsync("junk");

        first.Observation[^1].Content.Should().Be("[HINT] You have 2 turns left.");
        second.Observation[^1].Content.Should().Be("[HINT] You must answer the question in the next turn.");
        last.Truncated.Should().BeTrue();
        last.Observation.Should().NotContain(m => m.Content.StartsWith("[HINT]", StringComparison.Ordinal), "an ended episode gets no hint");
    }

    [Fact]
    public async Task Without_the_option_there_is_no_hint()
    {
        var environment = new AdderEnvironment(new ToolEnvironmentSettings(MaxTurns: 3));
        await environment.ResetAsync(1);
        (await environment.StepAsync("junk")).Observation.Should().NotContain(m => m.Content.StartsWith("[HINT]", StringComparison.Ordinal));
    }
}
