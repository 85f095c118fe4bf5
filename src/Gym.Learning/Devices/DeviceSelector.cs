using TorchSharp;

namespace Gym.Learning.Devices;

/// <summary>Which device a run asks for (<c>--device auto|cpu|cuda</c>).</summary>
public enum DeviceRequest
{
    /// <summary>CUDA when <c>torch.cuda.is_available()</c>, the CPU otherwise.</summary>
    Auto,

    /// <summary>The CPU, even where a GPU is available.</summary>
    Cpu,

    /// <summary>The first CUDA device; an error where CUDA is not available.</summary>
    Cuda,
}

/// <summary>
/// Turns a device request into a <see cref="torch.Device"/>. CUDA is chosen only where the native
/// backend can use it: the build must carry TorchSharp-cuda-linux (-p:GymTorchBackend=cuda, see
/// build/TorchBackend.props) and the machine must have an NVIDIA driver and device.
/// </summary>
public static class DeviceSelector
{
    /// <summary>The accepted spellings, for help texts and errors.</summary>
    public const string Choices = "auto, cpu, cuda";

    /// <summary>Parses <c>auto</c>, <c>cpu</c> or <c>cuda</c> (any case, surrounding spaces ignored).</summary>
    /// <exception cref="ArgumentException">Anything else.</exception>
    public static DeviceRequest Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Trim().ToLowerInvariant() switch
        {
            "auto" => DeviceRequest.Auto,
            "cpu" => DeviceRequest.Cpu,
            "cuda" => DeviceRequest.Cuda,
            _ => throw new ArgumentException($"unknown device '{value}' (expected one of: {Choices})", nameof(value)),
        };
    }

    /// <summary>Parses and selects in one step.</summary>
    /// <exception cref="ArgumentException">An unknown spelling.</exception>
    /// <exception cref="InvalidOperationException"><c>cuda</c> where CUDA is not available.</exception>
    public static torch.Device Select(string request) => Select(Parse(request));

    /// <summary>Selects the device for a request, asking TorchSharp whether CUDA is available.</summary>
    /// <exception cref="InvalidOperationException"><see cref="DeviceRequest.Cuda"/> where CUDA is not available.</exception>
    public static torch.Device Select(DeviceRequest request) => Select(request, torch.cuda.is_available);

    /// <summary>
    /// Selects the device for a request; <paramref name="cudaAvailable"/> stands for
    /// <c>torch.cuda.is_available()</c> (and lets tests decide it). It is called only when the answer matters.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="DeviceRequest.Cuda"/> where CUDA is not available.</exception>
    public static torch.Device Select(DeviceRequest request, Func<bool> cudaAvailable)
    {
        ArgumentNullException.ThrowIfNull(cudaAvailable);

        // Constructed rather than torch.CUDA, whose getter initialises the CUDA backend: the answer of
        // cudaAvailable() decides, and torch.cuda.is_available() has already loaded what is needed.
        var cuda = new torch.Device(DeviceType.CUDA, 0);
        return request switch
        {
            DeviceRequest.Cpu => torch.CPU,
            DeviceRequest.Auto => cudaAvailable() ? cuda : torch.CPU,
            DeviceRequest.Cuda when cudaAvailable() => cuda,
            DeviceRequest.Cuda => throw new InvalidOperationException(
                "device 'cuda' was requested but torch.cuda.is_available() is false. Either this build carries the " +
                "CPU backend (TorchSharp-cpu, the default), or no NVIDIA driver and device are visible. " +
                "Fix: build with the CUDA backend, e.g. `dotnet build -p:GymTorchBackend=cuda` (it references " +
                "TorchSharp-cuda-linux instead of TorchSharp-cpu), on a machine with an NVIDIA driver; or use " +
                "--device auto (CUDA when available, CPU otherwise) or --device cpu."),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request, $"unknown device request (expected one of: {Choices})"),
        };
    }
}
