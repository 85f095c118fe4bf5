using System.Text;
using System.Text.Json;
using FluentAssertions;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Xunit;

namespace Gym.Scenarios.Tests;

/// <summary>
/// The hand-written rollout-line writer behind <see cref="TrajectoryJson.Serialize"/> gives, for
/// every scenario and built-in id, exactly the bytes of the reflection serializer over
/// <see cref="TrajectoryJson.Options"/>: many expert episodes with a high error rate (malformed
/// actions, wrong and unknown tool calls, early answers), each compared line by line.
/// </summary>
public sealed class TrajectoryLineDifferentialTests
{
    private const int Episodes = 12;

    [Fact]
    public async Task Every_scenario_writes_the_reflection_serializers_bytes()
    {
        var lines = 0;
        foreach (var target in GoldenOutputTests.Targets())
        {
            var (registry, id, memory, tokenizer) = GoldenOutputTests.Resolve(target);
            var expert = registry.Get(id).CreateExpert!(EnvironmentParameters.None, new ExpertSettings(0.4, 11));
            using var environment = registry.Make(id);
            for (var episode = 0; episode < Episodes; episode++)
            {
                var record = await EpisodeRunner.RunAsync(environment, expert, episode, 9000 + episode, memory, tokenizer);
                var expected = JsonSerializer.Serialize(record, TrajectoryJson.Options);

                TrajectoryJson.Serialize(record).Should().Be(expected, $"{target}, episode {episode}");
                TrajectoryJson.SerializeToUtf8Line(record).Should().Equal(Encoding.UTF8.GetBytes(expected + "\n"), $"{target}, episode {episode}");
                lines++;
            }
        }

        lines.Should().BeGreaterThan(20 * Episodes, "every scenario was played");
    }
}
