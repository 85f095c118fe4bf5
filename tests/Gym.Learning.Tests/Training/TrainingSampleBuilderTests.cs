using System.Collections.Concurrent;
using FluentAssertions;
using Gym.Core;
using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Trajectories;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Training;
using Xunit;
using static Gym.Learning.Tests.Policy.PolicyFixtures;
using static TorchSharp.torch;

namespace Gym.Learning.Tests.Training;

public sealed class TrainingSampleBuilderTests
{
    public static TheoryData<string> MemoryModes => ["full", "mem1"];

    [Theory]
    [MemberData(nameof(MemoryModes))]
    public async Task Training_log_probs_equal_the_log_probs_recorded_at_rollout(string memory)
    {
        using var model = SharpModel(seed: 11);
        var policy = NewPolicy(model, maxNewTokens: 8);
        var spy = new ContextSpy(policy);
        var environment = Arithmetic(maxTurns: 3);
        var records = new List<EpisodeRecord>();
        foreach (var seed in new long[] { 3, 4, 5 })
        {
            var played = await EpisodeRunner.RunAsync(environment, spy, seed, seed, ContextPolicy.Create(MemorySpec.Parse(memory)), new ChatTemplateTokenCounter(policy.Template));

            // Train from the rollout file's form: ids and log-probs survive a JSON line exactly.
            records.Add(TrajectoryJson.Deserialize(TrajectoryJson.Serialize(played)));
        }

        var builder = new TrainingSampleBuilder(policy.Template);
        var samples = builder.Build(records, [.. records.Select(_ => (double?)0)]);

        samples.Should().HaveCount(9, "three episodes of three turns, one sequence per turn");
        var worst = 0.0;
        foreach (var record in records)
        {
            // One batch per episode: its turns have different lengths, so right padding and its mask are exercised.
            using var batch = TrainingBatch.Collate(builder.Build(record));
            using var scope = NewDisposeScope();
            worst = Math.Max(worst, Check(batch, PolicyLogProbs.Inference(model, batch), record, policy.Template, spy));
        }

        worst.Should().BeLessThan(1e-4);
        if (memory == "mem1")
        {
            // Under MEM1 turn 2 sees the prompt and turn 1 only: a context that is not a prefix of the full history.
            records[0].Turns[2].Context.Should().NotContain(s => s.Turn == 0);
        }
        else
        {
            records[0].Turns[2].Context.Should().Contain(s => s.Turn == 0);
        }

        // The check is sharp: the same tokens with the action placed further from its context (as positions
        // taken from a stitched multi-turn sequence would) score differently. A uniform shift would not:
        // rotary attention sees only relative positions.
        var last = samples[^1];
        using var shifted = TrainingBatch.Collate([last with { Positions = [.. last.Positions.Select(p => p < last.PromptLength ? p : p + 50)] }]);
        using var shiftedScope = NewDisposeScope();
        var wrong = PolicyLogProbs.Inference(model, shifted)[0].data<float>().ToArray();
        var drift = Enumerable.Range(last.PromptLength, last.ActionLength).Max(j => Math.Abs(wrong[j] - last.OldLogProbs[j]));
        drift.Should().BeGreaterThan(1e-2f);
    }

    private static double Check(TrainingBatch batch, Tensor logProbs, EpisodeRecord record, ChatTemplate template, ContextSpy spy)
    {
        var worst = 0.0;
        for (var i = 0; i < batch.Count; i++)
        {
            var sample = batch.Samples[i];
            var action = record.Turns[sample.Turn].Action;
            sample.InputIds.Take(sample.PromptLength).Should().Equal(template.Render(spy.Seen[(sample.Seed, sample.Turn)]), "the rebuilt context is the one the policy read");
            sample.InputIds.Skip(sample.PromptLength).Should().Equal(action.TokenIds, "the action is the sampled ids, not a re-encoding of its text");
            var row = logProbs[i].data<float>().ToArray();
            for (var j = 0; j < sample.ActionLength; j++)
            {
                worst = Math.Max(worst, Math.Abs(row[sample.PromptLength + j] - action.LogProbs![j]));
            }

            row.Take(sample.PromptLength).Where(v => v != 0).Should().BeEmpty("context tokens are not scored");
            row.Skip(sample.Length).Where(v => v != 0).Should().BeEmpty("padding is not scored");
        }

        return worst;
    }

    [Fact]
    public async Task A_sample_masks_the_context_counts_positions_from_zero_and_puts_the_reward_on_the_last_action_token()
    {
        using var model = new PolicyModel(Tiny, seed: 12);
        var policy = NewPolicy(model, maxNewTokens: 6);
        var record = await PlayAsync(Arithmetic(maxTurns: 2), policy, 9, MemorySpec.Full);

        var samples = new TrainingSampleBuilder(policy.Template).Build(record, advantage: 0.5);

        samples.Should().HaveCount(2);
        foreach (var sample in samples)
        {
            var turn = record.Turns[sample.Turn];
            sample.Positions.Should().Equal(Enumerable.Range(0, sample.Length));
            sample.LossMask.Should().Equal([.. Enumerable.Repeat(0f, sample.PromptLength), .. Enumerable.Repeat(1f, sample.ActionLength)]);
            sample.OldLogProbs.Skip(sample.PromptLength).Should().Equal(turn.Action.LogProbs);
            sample.TokenRewards.Take(sample.Length - 1).Should().OnlyContain(r => r == 0);
            sample.TokenRewards[^1].Should().Be((float)turn.Reward);
            sample.Reward.Should().Be(turn.Reward);
            sample.Advantage.Should().Be(0.5);
            (sample.Seed, sample.EnvironmentId).Should().Be((9L, record.EnvironmentId));
        }

        samples[1].PromptLength.Should().BeGreaterThan(samples[0].PromptLength + samples[0].ActionLength, "under full history turn 1 reads turn 0's action and its feedback");
    }

    [Fact]
    public void A_right_padded_batch_masks_padding_out_of_attention_and_loss()
    {
        TrainingSample Sample(int prompt, int action) => new(
            0, "env", 1, 0, [.. Enumerable.Range(1, prompt + action)], prompt, [.. Enumerable.Range(0, prompt + action)],
            [.. Enumerable.Repeat(0f, prompt), .. Enumerable.Repeat(1f, action)], new float[prompt + action], new float[prompt + action], 0)
        { Advantage = prompt };

        using var batch = TrainingBatch.Collate([Sample(3, 2), Sample(2, 1)]);

        batch.InputIds.shape.Should().Equal(2, 5);
        batch.AttentionMask[1].data<bool>().ToArray().Should().Equal(true, true, true, false, false);
        batch.LossMask[1].data<float>().ToArray().Should().Equal(0f, 0f, 1f, 0f, 0f);
        batch.Positions[1].data<long>().ToArray().Should().Equal(0, 1, 2, 3, 4);
        batch.Advantages.data<float>().ToArray().Should().Equal(3f, 2f);
        batch.ActionTokens.Should().Be(3);
    }

    [Fact]
    public void A_record_without_action_token_ids_is_refused_with_the_reason()
    {
        var record = new EpisodeRecord(
            4, "env", 2, "expert", EpisodeStatus.Completed, StopReason.Answered, true, false, true, 1,
            [ChatMessage.User("q")], StepInfo.Empty,
            [new TurnRecord(0, "answer", [], [], 1, Gym.Core.Rewards.RewardBreakdown.Empty, true, false, StopReason.Answered, null, StepInfo.Empty, [ContextSegment.Prompt(0)])]);

        var act = () => new TrainingSampleBuilder(new ChatTemplate(Gym.Learning.Tokenization.ByteTokenizer.Instance)).Build(record);

        act.Should().Throw<InvalidDataException>().WithMessage("episode 4 (seed 2) turn 0 has no action token ids*");
    }

    /// <summary>Records the exact context each request carried, to compare with the rebuilt one.</summary>
    private sealed class ContextSpy(IPolicy inner) : IPolicy
    {
        public ConcurrentDictionary<(long Seed, int Turn), IReadOnlyList<ChatMessage>> Seen { get; } = new();

        public string Id => inner.Id;

        public ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
        {
            foreach (var request in requests)
            {
                Seen[(request.Seed, request.Turn)] = request.Context;
            }

            return inner.ActAsync(requests, cancellationToken);
        }
    }
}
