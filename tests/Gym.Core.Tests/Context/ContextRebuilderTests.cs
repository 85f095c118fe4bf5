using FluentAssertions;
using Gym.Core.Context;
using Gym.Core.Trajectories;
using Xunit;
using static Gym.Core.Tests.Context.ContextTestData;

namespace Gym.Core.Tests.Context;

public sealed class ContextRebuilderTests
{
    public static TheoryData<string> Modes => new() { "full", "mem1", "window:1", "window:2", "strip-think" };

    [Theory]
    [MemberData(nameof(Modes))]
    public void Rebuilding_from_the_record_gives_exactly_what_the_policy_saw_on_every_turn(string mode)
    {
        var (record, views) = Play(ContextPolicy.Create(MemorySpec.Parse(mode)));

        for (var turn = 0; turn < record.Turns.Count; turn++)
        {
            record.Turns[turn].Context.Should().Equal(views[turn].Segments);
            ContextRebuilder.Rebuild(record, turn).Should().Equal(views[turn].Messages, "turn {0} under {1}", turn, mode);
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Rebuilding_works_from_the_rollout_file_alone(string mode)
    {
        var (record, views) = Play(ContextPolicy.Create(MemorySpec.Parse(mode)));

        var read = TrajectoryJson.Deserialize(TrajectoryJson.Serialize(record));

        for (var turn = 0; turn < read.Turns.Count; turn++)
        {
            ContextRebuilder.Rebuild(read, turn).Should().Equal(views[turn].Messages, "turn {0} under {1}", turn, mode);
        }
    }

    [Fact]
    public void A_segment_that_names_no_message_of_the_episode_is_reported()
    {
        var (record, _) = Play(ContextPolicy.Full);
        var future = record with { Turns = [.. record.Turns.Select(t => t.Turn == 1 ? t with { Context = [ContextSegment.Action(1)] } : t)] };
        var outOfRange = record with { Turns = [.. record.Turns.Select(t => t.Turn == 2 ? t with { Context = [ContextSegment.Observation(0, 5)] } : t)] };

        var seeFuture = () => ContextRebuilder.Rebuild(future, 1);
        var seeMissing = () => ContextRebuilder.Rebuild(outOfRange, 2);
        var noTurn = () => ContextRebuilder.Rebuild(record, 4);

        seeFuture.Should().Throw<InvalidDataException>().WithMessage("episode 3: context segment * of turn 1 does not name a message of the episode*");
        seeMissing.Should().Throw<InvalidDataException>();
        noTurn.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Segments_serialize_compactly_and_omit_think_stripped_when_false()
    {
        var (record, _) = Play(ContextPolicy.StripThink);

        var line = TrajectoryJson.Serialize(record);

        line.Should().Contain("""{"turn":-1,"source":"prompt","index":0}""")
            .And.Contain("""{"turn":0,"source":"action","index":0,"think_stripped":true}""")
            .And.Contain("""{"turn":2,"source":"action","index":0}""")
            .And.Contain("""{"turn":1,"source":"observation","index":1}""")
            .And.Contain("\"context_tokens\":")
            .And.Contain("\"peak_context_tokens\":")
            .And.Contain("\"mean_context_tokens\":");
        TrajectoryJson.Serialize(TrajectoryJson.Deserialize(line)).Should().Be(line);
    }
}
