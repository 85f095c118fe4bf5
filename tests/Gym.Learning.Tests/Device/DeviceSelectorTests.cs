using FluentAssertions;
using Gym.Learning.Devices;
using TorchSharp;
using Xunit;

namespace Gym.Learning.Tests.Device;

public sealed class DeviceSelectorTests
{
    [Theory]
    [InlineData("auto", DeviceRequest.Auto)]
    [InlineData("cpu", DeviceRequest.Cpu)]
    [InlineData(" CUDA ", DeviceRequest.Cuda)]
    public void Requests_parse_in_any_case(string text, DeviceRequest expected) =>
        DeviceSelector.Parse(text).Should().Be(expected);

    [Fact]
    public void An_unknown_device_names_the_choices() =>
        FluentActions.Invoking(() => DeviceSelector.Parse("tpu"))
            .Should().Throw<ArgumentException>().WithMessage("*'tpu'*auto, cpu, cuda*");

    [Fact]
    public void Cpu_is_the_cpu_even_where_cuda_is_available() =>
        DeviceSelector.Select(DeviceRequest.Cpu, () => true).type.Should().Be(DeviceType.CPU);

    [Theory]
    [InlineData(true, DeviceType.CUDA)]
    [InlineData(false, DeviceType.CPU)]
    public void Auto_takes_cuda_only_where_it_is_available(bool available, DeviceType expected) =>
        DeviceSelector.Select(DeviceRequest.Auto, () => available).type.Should().Be(expected);

    [Fact]
    public void Cuda_where_it_is_available_is_the_first_cuda_device()
    {
        var device = DeviceSelector.Select(DeviceRequest.Cuda, () => true);

        device.type.Should().Be(DeviceType.CUDA);
        device.index.Should().Be(0);
    }

    [Fact]
    public void Cuda_without_cuda_is_an_error_that_names_the_build_switch() =>
        FluentActions.Invoking(() => DeviceSelector.Select(DeviceRequest.Cuda, () => false))
            .Should().Throw<InvalidOperationException>()
            .WithMessage("*torch.cuda.is_available() is false*-p:GymTorchBackend=cuda*TorchSharp-cuda-linux*--device auto*");

    [Fact]
    public void Auto_on_this_machine_follows_torch_cuda_is_available()
    {
        var expected = torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU;

        DeviceSelector.Select("auto").type.Should().Be(expected);
    }
}
