using FluentAssertions;
using Gym.Learning.Model;
using Gym.Learning.Training;
using Xunit;
using static Gym.Learning.Tests.Policy.PolicyFixtures;
using static TorchSharp.torch;

namespace Gym.Learning.Tests.Training;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void Warm_up_rises_linearly_to_the_base_rate_and_a_cosine_then_falls_to_zero_at_the_last_step()
    {
        var schedule = new LearningRateSchedule(LearningRateShape.Cosine, WarmupSteps: 4, TotalSteps: 14);

        schedule.FactorAt(1).Should().Be(0.25);
        schedule.FactorAt(2).Should().Be(0.5);
        schedule.FactorAt(4).Should().Be(1);
        schedule.FactorAt(9).Should().BeApproximately(0.5 * (1 + Math.Cos(Math.PI * 0.5)), 1e-12, "halfway through the decay");
        schedule.FactorAt(14).Should().BeApproximately(0, 1e-12);
        schedule.FactorAt(20).Should().BeApproximately(0, 1e-12, "past the planned steps the rate stays at zero");
    }

    [Fact]
    public void A_constant_schedule_keeps_the_base_rate_after_warm_up()
    {
        new LearningRateSchedule(LearningRateShape.Constant, 2, 10).FactorAt(1).Should().Be(0.5);
        new LearningRateSchedule(LearningRateShape.Constant, 2, 10).FactorAt(7).Should().Be(1);
        LearningRateSchedule.Constant.FactorAt(1).Should().Be(1);
    }

    [Theory]
    [InlineData(-1, 10, "WarmupSteps must be 0 or positive, got -1")]
    [InlineData(0, 0, "TotalSteps must be positive, got 0")]
    public void Bad_schedules_are_refused_by_name(int warmup, int total, string message)
    {
        var act = () => new OptimizerOptions(LearningRateSchedule: new LearningRateSchedule(LearningRateShape.Cosine, warmup, total)).Validate();

        act.Should().Throw<ArgumentException>().WithMessage(message);
    }

    [Fact]
    public void The_optimizer_steps_at_the_scheduled_rate()
    {
        // AdamW's first step moves every weight with a gradient by about the learning rate, whatever the
        // gradient's size: the distance moved measures the rate the optimizer used.
        using var model = new PolicyModel(Tiny, seed: 3);
        using var optimizer = new PolicyOptimizer(model, new OptimizerOptions(
            LearningRate: 1e-3,
            MaxGradNorm: 0,
            LearningRateSchedule: new LearningRateSchedule(LearningRateShape.Cosine, WarmupSteps: 4, TotalSteps: 8)));
        var before = EmbeddingCopy(model);

        optimizer.Step(() => model.Forward(tensor(new long[] { 1, 2, 3, 4 }, [1, 4])).Logits.square().mean());

        optimizer.LearningRate.Should().BeApproximately(2.5e-4, 1e-12, "step 1 of a 4-step warm-up");
        using var moved = (EmbeddingCopy(model) - before).abs().max();
        moved.item<float>().Should().BeApproximately(2.5e-4f, 1e-5f);
        before.Dispose();
    }

    private static Tensor EmbeddingCopy(PolicyModel model) => model.parameters().First().detach().clone();
}
