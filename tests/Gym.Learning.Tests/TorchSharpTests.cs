using FluentAssertions;
using Gym.Learning.Devices;
using Gym.Learning.Tests.NativeFixup;
using Gym.NativeFixup;
using Xunit;
using static TorchSharp.torch;

namespace Gym.Learning.Tests;

/// <summary>
/// TorchSharp loads and trains in this test host: on Debian 12 that works only because the build
/// step has patched this output's copy of the shim (docs/learning.md, "Native runtime").
/// </summary>
public sealed class TorchSharpTests
{
    [Fact]
    public void A_tensor_can_be_created_and_reduced()
    {
        using var scope = NewDisposeScope();

        var sum = ones(2, 3).sum().item<float>();

        sum.Should().Be(6f);
    }

    [Fact]
    public void Adam_fits_a_small_linear_model_on_the_cpu_in_100_steps()
    {
        using var scope = NewDisposeScope();
        var device = DeviceSelector.Select(DeviceRequest.Cpu);
        var generator = new Generator(seed: 7, device: device);
        var weights = tensor(new[] { 2f, -3f, 0.5f, 1f }, device: device).reshape(4, 1);
        var inputs = randn([256, 4], generator: generator, device: device);
        var targets = inputs.matmul(weights) + 0.25f;

        using var model = nn.Linear(4, 1, device: device);
        using var optimizer = optim.Adam(model.parameters(), lr: 0.1);
        var losses = new List<float>();
        for (var step = 0; step < 100; step++)
        {
            // One scope per step: the step's intermediate tensors are freed at once, not at the end.
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.forward(inputs), targets);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }

        losses[0].Should().BeGreaterThan(1f, "an untrained model is far off");
        losses[^1].Should().BeLessThan(1e-3f);
        using var noGrad = no_grad();
        var learned = model.weight!.detach().reshape(4);
        learned.allclose(weights.reshape(4), rtol: 0, atol: 0.05).Should().BeTrue();
    }

    [Fact]
    public void The_shim_in_this_output_is_patched_exactly_when_the_host_needs_it()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var host = HostLibStdCxx.Read();
        var plan = WeakVersionPatcher.Plan(File.ReadAllBytes(ShimFiles.InOutput));

        if (host is not null && !host.Provides(WeakVersionPatcher.TargetVersion))
        {
            plan.Outcome.Should().Be(PatchOutcome.AlreadyPatched, "the build step patches the output on a host that lacks GLIBCXX_3.4.32");
        }
        else
        {
            File.ReadAllBytes(ShimFiles.InOutput).Should().Equal(File.ReadAllBytes(ShimFiles.Pristine), "nothing changes on newer systems");
        }
    }
}
