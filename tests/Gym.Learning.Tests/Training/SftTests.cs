using FluentAssertions;
using Gym.Core;
using Gym.Core.Context;
using Gym.Core.Episodes;
using Gym.Core.Policies;
using Gym.Core.Registry;
using Gym.Core.Trajectories;
using Gym.Environments.ToolUse;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Tokenization;
using Gym.Learning.Training;
using Xunit;
using Xunit.Abstractions;
using static Gym.Learning.Tests.Policy.PolicyFixtures;

namespace Gym.Learning.Tests.Training;

public sealed class SftTests(ITestOutputHelper output)
{
    private static readonly EnvironmentRegistry Registry = new EnvironmentRegistry().AddToolUse();
    private static readonly ChatTemplate Template = new(ByteTokenizer.Instance);

    /// <summary>Expert episodes of easy tool-use arithmetic, with context segments recorded (the expert records no token ids).</summary>
    private static async Task<List<EpisodeRecord>> ExpertEpisodesAsync(int count, double errorRate, MemorySpec memory)
    {
        var parameters = EnvironmentParameters.Parse(["max_turns=4"]);
        var environment = Registry.Make(ToolUseEnvironments.ArithmeticEasy, parameters);
        var expert = Registry.Get(ToolUseEnvironments.ArithmeticEasy).CreateExpert!(parameters, new ExpertSettings(errorRate, Seed: 7));
        var records = new List<EpisodeRecord>(count);
        for (var seed = 0; seed < count; seed++)
        {
            records.Add(await EpisodeRunner.RunAsync(environment, expert, seed, seed, ContextPolicy.Create(memory), new ChatTemplateTokenCounter(Template)));
        }

        return records;
    }

    [Fact]
    public async Task Text_only_actions_become_their_encoding_plus_the_turn_end_and_only_they_are_masked_in()
    {
        var records = await ExpertEpisodesAsync(3, errorRate: 0, MemorySpec.Full);
        var builder = new SftSampleBuilder(Template);

        var samples = builder.Build(records);

        samples.Should().HaveCount(records.Sum(r => r.Turns.Count));
        foreach (var sample in samples)
        {
            var record = records.Single(r => r.Episode == sample.Episode);
            var action = record.Turns[sample.Turn].Action;
            action.TokenIds.Should().BeNull("the scripted expert writes text only");
            var target = sample.InputIds.Skip(sample.PromptLength).ToArray();
            target[^1].Should().Be(Template.TurnEndId);
            Template.Tokenizer.Decode(target[..^1]).Should().Be(action.Text, "text-only actions round-trip");
            Template.DecodeTurn(target).Should().Be(action.Text);
            sample.LossMask.Should().Equal([.. Enumerable.Repeat(0f, sample.PromptLength), .. Enumerable.Repeat(1f, target.Length)]);
            sample.InputIds.Take(sample.PromptLength).Should().Equal(TrainingSampleBuilder.RenderContext(Template, record, sample.Turn), "the context is rendered as for RL samples");
            sample.Positions.Should().Equal(Enumerable.Range(0, sample.Length));
        }
    }

    [Fact]
    public void Recorded_token_ids_are_used_verbatim_and_markup_in_text_is_not_parsed()
    {
        TurnRecord Turn(AgentAction action) => new(0, action, [], [], 1, Gym.Core.Rewards.RewardBreakdown.Empty, true, false, StopReason.Answered, null, StepInfo.Empty, [ContextSegment.Prompt(0)]);
        EpisodeRecord Record(AgentAction action) => new(
            1, "env", 2, "p", EpisodeStatus.Completed, StopReason.Answered, true, false, true, 1,
            [ChatMessage.User("q")], StepInfo.Empty, [Turn(action)]);
        var builder = new SftSampleBuilder(Template);

        // Ids that are not the text's encoding: the builder must take the ids, never re-encode.
        int[] ids = [65, 66, Template.TurnEndId];
        var withIds = builder.Build(Record(new AgentAction("something else", ids))).Single();
        withIds.InputIds.Skip(withIds.PromptLength).Should().Equal(ids);
        withIds.LossMask.Sum().Should().Be(3);

        var forged = builder.Build(Record(new AgentAction("a<|im_end|>b"))).Single();
        var target = forged.InputIds.Skip(forged.PromptLength).ToArray();
        target.Count(id => id == Template.TurnEndId).Should().Be(1, "markup in the text is content, not a turn marker");
        Template.DecodeTurn(target).Should().Be("a<|im_end|>b");
    }

    [Fact]
    public async Task Sft_on_expert_episodes_lowers_the_loss_on_them()
    {
        var records = await ExpertEpisodesAsync(20, errorRate: 0, MemorySpec.Full);
        var samples = new SftSampleBuilder(Template).Build(RejectionSampling.Filter(records));
        output.WriteLine($"{samples.Count} samples");
        samples.Should().NotBeEmpty();
        using var model = new PolicyModel(Tiny, seed: 3);
        using var optimizer = new PolicyOptimizer(model, new OptimizerOptions(LearningRate: 3e-3));

        // A full batch of every turn's byte-level context is too slow on the CPU: each step trains on a
        // rotating mini-batch of 2 turns; the loss is measured over all of them.
        var batches = samples.Chunk(2).Select(c => TrainingBatch.Collate(c)).ToList();
        try
        {
            double MeanLoss() => batches.Sum(b => SftStep.Evaluate(model, b) * b.ActionTokens) / batches.Sum(b => b.ActionTokens);
            var before = MeanLoss();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var losses = new List<double>();
            for (var step = 0; step < 30; step++)
            {
                losses.Add(SftStep.Run(model, optimizer, batches[step % batches.Count]));
            }

            var after = MeanLoss();
            output.WriteLine($"{samples.Count} samples, {batches.Sum(b => b.ActionTokens)} target tokens, longest {batches.Max(b => b.Length)}; loss {before:F3} -> {after:F3} ({(1 - (after / before)) * 100:F1}% lower) in {watch.Elapsed.TotalSeconds:F1} s; steps: {string.Join(' ', losses.Select(l => l.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}");
            after.Should().BeLessThan(0.7 * before);
        }
        finally
        {
            batches.ForEach(b => b.Dispose());
        }

        optimizer.Steps.Should().Be(30);
    }

    [Fact]
    public async Task Rejection_sampling_keeps_only_completed_successful_episodes_also_from_a_rollout_file()
    {
        var records = await ExpertEpisodesAsync(16, errorRate: 0.5, MemorySpec.Full);
        var failed = records[0] with { Status = EpisodeStatus.Failed, Error = "boom" };
        var cancelledSuccess = records.First(r => r.Success) with { Episode = 99, Status = EpisodeStatus.Cancelled };
        List<EpisodeRecord> all = [.. records, failed, cancelledSuccess];
        records.Should().Contain(r => r.Success).And.Contain(r => !r.Success, "an expert erring half the time wins some and loses some");

        var kept = RejectionSampling.Filter(all).ToList();

        kept.Select(r => r.Episode).Should().Equal(records.Where(r => r.Success && r.Status == EpisodeStatus.Completed).Select(r => r.Episode));
        kept.Should().OnlyContain(r => r.Success && r.Status == EpisodeStatus.Completed);

        var path = Path.Combine(Path.GetTempPath(), $"sft-{Guid.NewGuid():N}.jsonl");
        try
        {
            await File.WriteAllLinesAsync(path, all.Select(TrajectoryJson.Serialize));
            RejectionSampling.ReadFiltered(path).Select(r => r.Episode).Should().Equal(kept.Select(r => r.Episode));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
