using FluentAssertions;
using Gym.Core;
using Gym.Core.Context;
using Gym.Core.Policies;
using Gym.Core.Trajectories;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Tokenization;
using Xunit;
using static Gym.Learning.Tests.Policy.PolicyFixtures;

namespace Gym.Learning.Tests.Policy;

public sealed class TorchPolicyTests
{
    private static PolicyRequest Request(long seed, int turn, int attempt = 0, string text = "What is 2+3?") =>
        new($"e{seed}", seed, turn, [ChatMessage.System("Answer."), ChatMessage.User(text)], Attempt: attempt);

    [Fact]
    public async Task It_plays_episodes_deterministically_and_records_exactly_what_it_sampled()
    {
        using var model = new PolicyModel(Tiny, seed: 1);
        var policy = NewPolicy(model);
        var environment = Arithmetic();

        var first = await PlayAsync(environment, policy, 7, MemorySpec.Full);
        var again = await PlayAsync(environment, policy, 7, MemorySpec.Full);
        var other = await PlayAsync(environment, policy, 8, MemorySpec.Full);

        TrajectoryJson.Serialize(again).Should().Be(TrajectoryJson.Serialize(first), "same seed, same weights: the same episode");
        other.Turns[0].Action.TokenIds.Should().NotEqual(first.Turns[0].Action.TokenIds);
        first.PolicyId.Should().Be("torch:tiny@v0");
        first.Turns.Should().HaveCount(3, "a random model never answers, so the episode runs to its turn limit");
        foreach (var action in first.Turns.Concat(other.Turns).Select(t => t.Action))
        {
            action.TokenIds.Should().NotBeNullOrEmpty();
            action.LogProbs.Should().HaveCount(action.TokenIds!.Count);
            action.LogProbs.Should().OnlyContain(lp => lp <= 0 && float.IsFinite(lp));
            var ended = policy.Template.StopTokenIds.Contains(action.TokenIds[^1]);
            var decoded = ByteTokenizer.Instance.Decode(action.TokenIds);
            decoded.Should().Be(ended ? action.Text + ByteTokenizer.Instance.Decode([action.TokenIds[^1]]) : action.Text);
            (ended || action.TokenIds.Count == policy.Sampling.MaxNewTokens).Should().BeTrue("a turn ends at its end token or its budget");
        }
    }

    [Fact]
    public async Task A_request_gets_the_same_action_alone_or_batched_in_any_order()
    {
        using var model = new PolicyModel(Tiny, seed: 2);
        var policy = NewPolicy(model, maxNewTokens: 10);
        PolicyRequest a = Request(1, 0), b = Request(2, 3, text: "A longer question: what is 12*7-5?"), c = Request(1, 0, attempt: 1);

        var together = await policy.ActAsync([a, b, c], CancellationToken.None);
        var reordered = await policy.ActAsync([c, a, b], CancellationToken.None);
        var alone = await policy.ActAsync([b], CancellationToken.None);

        // The sampled tokens are the same; log-probs may differ in the last bits, as rows sit at other places in the batch.
        Same(reordered[1], together[0]);
        Same(reordered[2], together[1]);
        Same(reordered[0], together[2]);
        Same(alone[0], together[1]);
        together[2].TokenIds.Should().NotEqual(together[0].TokenIds, "another attempt at the same task samples another stream");
    }

    private static void Same(AgentAction actual, AgentAction expected)
    {
        actual.Text.Should().Be(expected.Text);
        actual.TokenIds.Should().Equal(expected.TokenIds);
        actual.LogProbs!.Zip(expected.LogProbs!).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-4);
    }

    [Fact]
    public void Sampling_seeds_separate_base_seed_task_attempt_and_turn()
    {
        var seeds = new[]
        {
            TorchPolicy.SamplingSeed(0, 1, 0, 0), TorchPolicy.SamplingSeed(1, 1, 0, 0), TorchPolicy.SamplingSeed(0, 2, 0, 0),
            TorchPolicy.SamplingSeed(0, 1, 1, 0), TorchPolicy.SamplingSeed(0, 1, 0, 1), TorchPolicy.SamplingSeed(0, 0, 1, 0),
        };

        seeds.Should().OnlyHaveUniqueItems();
        TorchPolicy.SamplingSeed(3, 4, 5, 6).Should().Be(TorchPolicy.SamplingSeed(3, 4, 5, 6));
    }

    [Fact]
    public async Task Its_id_names_the_model_and_the_version_of_its_weights()
    {
        using var model = new PolicyModel(Tiny, seed: 3);
        var policy = NewPolicy(model);

        policy.Id.Should().Be("torch:tiny@v0");
        policy.AdvanceVersion().Should().Be(1);
        policy.Id.Should().Be("torch:tiny@v1");
        (await policy.ActAsync([], CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_context_longer_than_the_model_holds_fails_clearly()
    {
        using var model = new PolicyModel(PolicyConfig.Tiny with { MaxPositions = 64 }, seed: 4);
        var policy = NewPolicy(model);

        var act = async () => await policy.ActAsync([Request(5, 2, text: new string('x', 100))], CancellationToken.None);

        (await act.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("episode e5 (seed 5, attempt 0) turn 2: the context is * tokens but the model holds 64 positions*mem1*");
    }
}
