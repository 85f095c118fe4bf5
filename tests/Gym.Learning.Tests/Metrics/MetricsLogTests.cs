using System.Buffers.Binary;
using System.Text;
using FluentAssertions;
using Gym.Learning.Metrics;
using Xunit;

namespace Gym.Learning.Tests.Metrics;

public sealed class MetricsLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gym-metrics-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Crc32C_matches_the_standard_check_value()
    {
        TensorBoardWriter.Crc32C("123456789"u8).Should().Be(0xE3069283u);
    }

    [Fact]
    public void Metrics_go_to_csv_tensorboard_events_and_png_curves()
    {
        using (var log = new MetricsLog(_dir, clock: () => 1_700_000_000.5))
        {
            log.Record(1, new Dictionary<string, double> { ["train/success"] = 0.25, ["eval/success"] = 0.2 });
            log.Record(2, new Dictionary<string, double> { ["train/success"] = 0.5, ["eval/success"] = 0.4 });
            var png = log.SaveCurve("learning-curve.png", "success rate", "success", "train/success", "eval/success");

            File.ReadAllBytes(png).Take(8).Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A);
            log.History("eval/success").Should().Equal((1.0, 0.2), (2.0, 0.4));
        }

        File.ReadAllLines(Path.Combine(_dir, "metrics.csv")).Should().Equal(
            "step,metric,value", "1,eval/success,0.2", "1,train/success,0.25", "2,eval/success,0.4", "2,train/success,0.5");
        var events = ReadEvents(Directory.GetFiles(_dir, "events.out.tfevents.*").Should().ContainSingle().Subject);
        events[0].FileVersion.Should().Be("brain.Event:2");
        events.Skip(1).Select(e => (e.Step, e.Tag, e.Value)).Should().Equal((1L, "eval/success", 0.2f), (1L, "train/success", 0.25f), (2L, "eval/success", 0.4f), (2L, "train/success", 0.5f));
        events.Should().OnlyContain(e => e.WallTime == 1_700_000_000.5);
    }

    [Fact]
    public void A_success_curve_keeps_its_axis_at_zero_to_one_whole_step_ticks_and_its_legend_off_the_data()
    {
        CurveSeries[] series =
        [
            new("train/success", [(0, 0.25), (1, 0.5), (2, 0.375)]),
            new("eval/success", [(0, 0.2), (2, 0.4)]),
        ];

        var layout = LearningCurve.Layout("success rate", "success", series, (0, 1));

        layout.Y.Min.Should().BeInRange(-0.05, 0, "the axis starts at 0 (with a little room), not at -1");
        layout.Y.Max.Should().BeInRange(1, 1.05);
        layout.Y.Ticks.Select(t => t.Value).Should().NotBeEmpty().And.OnlyContain(y => y >= -1e-9 && y <= 1 + 1e-9);
        layout.X.Ticks.Select(t => t.Value).Should().NotBeEmpty().And.OnlyContain(x => Math.Abs(x - Math.Round(x)) < 1e-9, "steps are whole numbers");
        layout.Legend.Should().NotBeNull();
        layout.Legend!.Overlaps(layout.Data).Should().BeFalse("the legend sits outside the data area, off the last points");
    }

    // An independent reader: TFRecord framing with both CRCs checked, then the Event fields we write.
    private static List<(double WallTime, long Step, string? FileVersion, string? Tag, float Value)> ReadEvents(string path)
    {
        var bytes = File.ReadAllBytes(path).AsSpan();
        var events = new List<(double, long, string?, string?, float)>();
        while (bytes.Length > 0)
        {
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]).Should().Be(TensorBoardWriter.MaskedCrc(bytes[..8]));
            var data = bytes.Slice(12, length);
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[(12 + length)..]).Should().Be(TensorBoardWriter.MaskedCrc(data));
            events.Add(ParseEvent(data.ToArray()));
            bytes = bytes[(16 + length)..];
        }

        return events;
    }

    private static (double, long, string?, string?, float) ParseEvent(byte[] data)
    {
        double wall = 0;
        long step = 0;
        string? version = null, tag = null;
        float value = 0;
        var i = 0;
        while (i < data.Length)
        {
            var key = data[i++];
            switch (key)
            {
                case (1 << 3) | 1:
                    wall = BinaryPrimitives.ReadDoubleLittleEndian(data.AsSpan(i));
                    i += 8;
                    break;
                case 2 << 3:
                    step = (long)Varint(data, ref i);
                    break;
                case (3 << 3) | 2:
                    version = Encoding.UTF8.GetString(Slice(data, ref i));
                    break;
                case (5 << 3) | 2:
                    var summary = Slice(data, ref i);
                    var j = 1;
                    var valueMessage = Slice(summary, ref j);
                    var k = 1;
                    tag = Encoding.UTF8.GetString(Slice(valueMessage, ref k));
                    valueMessage[k].Should().Be((2 << 3) | 5);
                    value = BinaryPrimitives.ReadSingleLittleEndian(valueMessage.AsSpan(k + 1));
                    break;
                default:
                    throw new InvalidDataException($"unexpected field key {key}");
            }
        }

        return (wall, step, version, tag, value);
    }

    private static byte[] Slice(byte[] data, ref int i)
    {
        var length = (int)Varint(data, ref i);
        var slice = data.AsSpan(i, length).ToArray();
        i += length;
        return slice;
    }

    private static ulong Varint(byte[] data, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
