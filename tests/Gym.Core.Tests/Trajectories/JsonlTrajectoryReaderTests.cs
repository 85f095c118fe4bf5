using FluentAssertions;
using Gym.Core.Trajectories;
using Xunit;
using static Gym.Core.Tests.Trajectories.TrajectoryTestData;

namespace Gym.Core.Tests.Trajectories;

public sealed class JsonlTrajectoryReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Reads_back_what_the_sink_wrote()
    {
        var records = CompletedRange(4);
        var path = _temp.File("rollouts.jsonl");
        await using (var sink = JsonlTrajectorySink.Create(path))
        {
            foreach (var record in records.Reverse())
            {
                await sink.WriteAsync(record, CancellationToken.None);
            }

            await sink.CompleteAsync(CancellationToken.None);
        }

        var read = JsonlTrajectoryReader.Read(path).ToList();
        read.Select(TrajectoryJson.Serialize).Should().Equal(records.Select(TrajectoryJson.Serialize));
    }

    [Fact]
    public async Task A_malformed_line_is_reported_as_path_colon_line()
    {
        var path = _temp.File("rollouts.jsonl");
        await File.WriteAllTextAsync(path, Line(Completed(0)) + Line(Completed(1)) + "{\"episode\": oops}\n" + Line(Completed(3)));

        var read = () => JsonlTrajectoryReader.Read(path).ToList();
        var error = read.Should().Throw<TrajectoryFormatException>().Which;
        error.Message.Should().StartWith($"{path}:3: ");
        error.Path.Should().Be(path);
        error.Line.Should().Be(3);
    }

    [Fact]
    public async Task Episodes_before_a_malformed_line_are_still_yielded()
    {
        var path = _temp.File("rollouts.jsonl");
        await File.WriteAllTextAsync(path, Line(Completed(0)) + "not json\n");

        var read = new List<EpisodeRecord>();
        var act = () =>
        {
            foreach (var record in JsonlTrajectoryReader.Read(path))
            {
                read.Add(record);
            }
        };
        act.Should().Throw<TrajectoryFormatException>().WithMessage($"{path}:2: *");
        read.Should().ContainSingle().Which.Episode.Should().Be(0);
    }

    [Fact]
    public async Task A_last_line_cut_short_says_so()
    {
        var path = _temp.File("rollouts.jsonl");
        var whole = Line(Completed(1));
        await File.WriteAllTextAsync(path, Line(Completed(0)) + whole[..(whole.Length / 2)]);

        var read = () => JsonlTrajectoryReader.Read(path).ToList();
        read.Should().Throw<TrajectoryFormatException>().WithMessage($"{path}:2: the last line is cut short*");
    }

    [Fact]
    public async Task A_line_missing_required_fields_is_malformed()
    {
        var path = _temp.File("rollouts.jsonl");
        await File.WriteAllTextAsync(path, "{\"episode\": 3}\n");

        var read = () => JsonlTrajectoryReader.Read(path).ToList();
        read.Should().Throw<TrajectoryFormatException>().WithMessage($"{path}:1: missing field 'environment_id'");
    }

    [Fact]
    public async Task Blank_lines_are_skipped_but_counted()
    {
        var path = _temp.File("rollouts.jsonl");
        await File.WriteAllTextAsync(path, Line(Completed(0)) + "\n   \n" + Line(Completed(1)) + "[]\n");

        var read = () => JsonlTrajectoryReader.Read(path).ToList();
        read.Should().Throw<TrajectoryFormatException>().WithMessage($"{path}:5: *");
        JsonlTrajectoryReader.Read(path).Take(2).Select(r => r.Episode).Should().Equal(0, 1);
    }
}
