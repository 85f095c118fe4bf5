using System.Buffers.Binary;
using System.Text;
using FluentAssertions;
using Gym.Learning.Model;
using Xunit;
using static TorchSharp.torch;

namespace Gym.Learning.Tests.Model;

public sealed class SafetensorsTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "gym-safetensors-" + Guid.NewGuid().ToString("N") + ".safetensors");

    public void Dispose() => File.Delete(_file);

    [Theory]
    [InlineData(ScalarType.Float32, "F32")]
    [InlineData(ScalarType.Float16, "F16")]
    [InlineData(ScalarType.BFloat16, "BF16")]
    [InlineData(ScalarType.Int64, "I64")]
    public void Tensors_round_trip_with_their_dtype_and_shape(ScalarType dtype, string name)
    {
        using var scope = NewDisposeScope();
        var values = arange(24, ScalarType.Float32).reshape(2, 3, 4).to_type(dtype);

        Safetensors.Save(_file, [KeyValuePair.Create("a.weight", values), KeyValuePair.Create("b", ones(1))], new Dictionary<string, string> { ["format"] = "pt" });
        var header = Safetensors.ReadHeader(_file);
        var loaded = Safetensors.Load(_file);

        header.Select(e => (e.Name, e.DType)).Should().Equal(("a.weight", name), ("b", "F32"));
        header[0].Shape.Should().Equal(2, 3, 4);
        loaded["a.weight"].dtype.Should().Be(dtype);
        loaded["a.weight"].eq(values).all().item<bool>().Should().BeTrue();
        Safetensors.Load(_file, ScalarType.Float32)["a.weight"].dtype.Should().Be(ScalarType.Float32);
    }

    [Fact]
    public void The_header_is_padded_so_data_starts_8_byte_aligned()
    {
        using var scope = NewDisposeScope();
        Safetensors.Save(_file, [KeyValuePair.Create("x", ones(3))]);

        var bytes = File.ReadAllBytes(_file);
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);

        (headerLength % 8).Should().Be(0);
        (bytes.Length - 8 - headerLength).Should().Be(12);
    }

    [Fact]
    public void A_file_whose_offsets_do_not_fit_is_refused()
    {
        var json = Encoding.UTF8.GetBytes("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""");
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)json.Length);
        File.WriteAllBytes(_file, [.. prefix, .. json, .. new byte[8]]);

        var read = () => Safetensors.ReadHeader(_file);

        read.Should().Throw<FormatException>().WithMessage("*tensor 'w'*data_offsets*");
    }

    [Fact]
    public void A_file_that_is_not_safetensors_is_refused()
    {
        File.WriteAllText(_file, "not a checkpoint at all");

        var read = () => Safetensors.ReadHeader(_file);

        read.Should().Throw<FormatException>().WithMessage("*not a safetensors file*");
    }
}
