using FluentAssertions;
using Gym.Core.Trajectories;
using Xunit;

namespace Gym.Core.Tests.Trajectories;

public sealed class RunHeaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static RunHeader Header(string seed = "3") => new("run", new Dictionary<string, string>
    {
        ["environment_id"] = "tool-use/arithmetic-v0",
        ["seed"] = seed,
    });

    [Fact]
    public void A_header_written_beside_a_file_reads_back_equal_and_matches_itself()
    {
        var output = _temp.File("rollouts.jsonl");
        Header().Write(output);

        File.Exists(output + ".run.json").Should().BeTrue();
        var read = RunHeader.Read(output);
        read.Should().NotBeNull();
        read!.Command.Should().Be("run");
        read.Fields.Should().Equal(Header().Fields);
        read.FirstDifference(Header()).Should().BeNull();
        File.Exists(output + ".run.json.tmp").Should().BeFalse("the header is moved into place whole");
    }

    [Fact]
    public void The_first_difference_names_the_field_and_both_values()
    {
        Header().FirstDifference(Header("4")).Should().Be("seed: the file has '3', this run has '4'");
        Header().FirstDifference(new RunHeader("score", Header().Fields)).Should().Contain("'gym run', not 'gym score'");
        var extra = new RunHeader("run", new Dictionary<string, string>(Header().Fields) { ["policy"] = "expert" });
        Header().FirstDifference(extra).Should().Be("policy: the file has none, this run has 'expert'");
    }

    [Fact]
    public void No_header_reads_as_null_and_a_broken_one_is_a_located_error()
    {
        var output = _temp.File("rollouts.jsonl");
        RunHeader.Read(output).Should().BeNull();

        File.WriteAllText(output + ".run.json", "{\"gym_run_header\": 1, \"command\": \"run\"");
        var broken = () => RunHeader.Read(output);
        broken.Should().Throw<TrajectoryFormatException>().WithMessage("*rollouts.jsonl.run.json:1: not a valid run header*");

        File.WriteAllText(output + ".run.json", "{\"gym_run_header\": 7, \"command\": \"run\", \"fields\": {}}");
        broken.Should().Throw<TrajectoryFormatException>().WithMessage("*version 7 is not one this gym reads*");
    }
}
