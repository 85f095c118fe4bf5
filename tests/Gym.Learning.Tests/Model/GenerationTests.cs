using FluentAssertions;
using Gym.Learning.Model;
using TorchSharp;
using Xunit;
using static Gym.Learning.Tests.Model.TestModels;
using static TorchSharp.torch;

namespace Gym.Learning.Tests.Model;

public sealed class GenerationTests
{
    private static readonly int[][] Prompts = [[5, 9, 2, 33], [17, 4], [60, 1, 2, 3, 4, 5, 6]];

    [Fact]
    public void Greedy_generation_is_deterministic_and_follows_the_full_recompute_argmax()
    {
        using var model = new PolicyModel(Small, seed: 21);
        var options = new SamplingOptions(MaxNewTokens: 12, Temperature: 0);

        var first = model.Generate(Prompts, options);
        var second = model.Generate(Prompts, options with { Seed = 99 });

        first.Select(s => s.TokenIds).Should().BeEquivalentTo(second.Select(s => s.TokenIds), o => o.WithStrictOrdering());
        for (var i = 0; i < Prompts.Length; i++)
        {
            first[i].TokenIds.Should().HaveCount(12);
            first[i].FinishReason.Should().Be(FinishReason.Length);
            var (argmax, logProbs) = Recompute(model, Prompts[i], first[i].TokenIds);
            first[i].TokenIds.Should().Equal(argmax, "the cached, batched generation must pick what a full forward ranks first");
            first[i].LogProbs.Zip(logProbs).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-4);
        }
    }

    [Fact]
    public void Sampled_log_probs_equal_log_softmax_of_a_recomputed_forward()
    {
        using var model = new PolicyModel(Small, seed: 22);

        var sequences = model.Generate(Prompts, new SamplingOptions(MaxNewTokens: 16, Temperature: 0.7, TopP: 0.9, Seed: 5));

        for (var i = 0; i < Prompts.Length; i++)
        {
            var (_, logProbs) = Recompute(model, Prompts[i], sequences[i].TokenIds);
            sequences[i].LogProbs.Should().HaveCount(sequences[i].TokenIds.Count);
            sequences[i].LogProbs.Zip(logProbs).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-4,
                "log-probs are taken at temperature 1 from the same positions and mask a trainer would use");
        }
    }

    [Fact]
    public void Sampling_with_the_same_seed_is_reproducible_and_another_seed_differs()
    {
        using var model = new PolicyModel(Small, seed: 23);
        var options = new SamplingOptions(MaxNewTokens: 16, Temperature: 1.0, Seed: 7);

        var a = model.Generate(Prompts, options);
        var b = model.Generate(Prompts, options);
        var c = model.Generate(Prompts, options with { Seed = 8 });

        a.Select(s => s.TokenIds).Should().BeEquivalentTo(b.Select(s => s.TokenIds), o => o.WithStrictOrdering());
        a.Select(s => s.LogProbs).Should().BeEquivalentTo(b.Select(s => s.LogProbs), o => o.WithStrictOrdering());
        a.SelectMany(s => s.TokenIds).Should().NotEqual(c.SelectMany(s => s.TokenIds));
    }

    [Fact]
    public void A_tiny_top_p_keeps_only_the_most_likely_token()
    {
        using var model = new PolicyModel(Small, seed: 24);

        var greedy = model.Generate(Prompts, new SamplingOptions(MaxNewTokens: 10, Temperature: 0));
        var nucleus = model.Generate(Prompts, new SamplingOptions(MaxNewTokens: 10, Temperature: 1.5, TopP: 1e-6, Seed: 3));

        nucleus.Select(s => s.TokenIds).Should().BeEquivalentTo(greedy.Select(s => s.TokenIds), o => o.WithStrictOrdering());
    }

    [Fact]
    public void Batched_generation_gives_each_prompt_what_it_gets_alone()
    {
        using var model = new PolicyModel(Small, seed: 25);
        var options = new SamplingOptions(MaxNewTokens: 8, Temperature: 0);

        var batched = model.Generate(Prompts, options);

        for (var i = 0; i < Prompts.Length; i++)
        {
            model.Generate([Prompts[i]], options)[0].TokenIds.Should().Equal(batched[i].TokenIds);
        }
    }

    [Fact]
    public void A_stop_token_ends_its_sequence_and_is_kept()
    {
        using var model = new PolicyModel(Small, seed: 26);
        var greedy = model.Generate(Prompts, new SamplingOptions(MaxNewTokens: 6, Temperature: 0));
        var stop = greedy[0].TokenIds[2];

        var stopped = model.Generate(Prompts, new SamplingOptions(MaxNewTokens: 6, Temperature: 0, StopTokenIds: [stop]));

        var firstStop = greedy[0].TokenIds.ToList().IndexOf(stop);
        stopped[0].TokenIds.Should().Equal(greedy[0].TokenIds.Take(firstStop + 1));
        stopped[0].FinishReason.Should().Be(FinishReason.Stop);
        stopped[0].LogProbs.Should().HaveCount(firstStop + 1);
    }

    [Fact]
    public void Generation_stops_at_the_context_limit()
    {
        using var model = new PolicyModel(Small with { MaxPositions = 10 }, seed: 27);

        var sequences = model.Generate([[1, 2, 3, 4, 5, 6, 7], [1, 2]], new SamplingOptions(MaxNewTokens: 50, Temperature: 0));

        sequences[0].TokenIds.Should().HaveCount(3);
        sequences[1].TokenIds.Should().HaveCount(8);
        sequences.Should().OnlyContain(s => s.FinishReason == FinishReason.Length);
    }

    [Fact]
    public void Generation_restores_training_mode_and_leaves_no_tensor_behind()
    {
        using var model = new PolicyModel(Small, seed: 28);
        model.train();
        model.Generate(Prompts, new SamplingOptions(MaxNewTokens: 3, Seed: 1));
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        model.Generate(Prompts, new SamplingOptions(MaxNewTokens: 5, Temperature: 0.8, TopP: 0.5, Seed: 1));

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        model.training.Should().BeTrue();
    }

    [Fact]
    public void Bad_prompts_and_options_are_refused()
    {
        using var model = new PolicyModel(Small);

        var empty = () => model.Generate([[]], new SamplingOptions(4));
        var outOfVocabulary = () => model.Generate([[1, 64]], new SamplingOptions(4));
        var badTopP = () => model.Generate([[1]], new SamplingOptions(4, TopP: 0));
        var badBudget = () => model.Generate([[1]], new SamplingOptions(0));

        empty.Should().Throw<ArgumentException>().WithMessage("*prompt 0 is empty*");
        outOfVocabulary.Should().Throw<ArgumentException>().WithMessage("*token id 64*");
        badTopP.Should().Throw<ArgumentException>().WithMessage("*TopP*");
        badBudget.Should().Throw<ArgumentException>().WithMessage("*MaxNewTokens*");
    }

    [Fact]
    public void The_nucleus_keeps_the_smallest_set_reaching_top_p()
    {
        using var scope = NewDisposeScope();
        var probabilities = Floats(0.2f, 0.5f, 0.3f).unsqueeze(0);

        TokenSampler.KeepNucleus(probabilities, 0.6).data<float>().ToArray().Should().Equal(0f, 0.5f, 0.3f);
        TokenSampler.KeepNucleus(probabilities, 0.5).data<float>().ToArray().Should().Equal(0f, 0.5f, 0f);
        TokenSampler.KeepNucleus(probabilities, 1.0).data<float>().ToArray().Should().Equal(0.2f, 0.5f, 0.3f);
    }

    /// <summary>A full, unpadded forward over prompt + generated: argmax and log-prob at each generated token.</summary>
    private static (int[] Argmax, float[] LogProbs) Recompute(PolicyModel model, int[] prompt, IReadOnlyList<int> generated)
    {
        using var scope = NewDisposeScope();
        var ids = prompt.Concat(generated).Select(i => (long)i).ToArray();
        var logits = Logits(model, tensor(ids, [1, ids.Length]));

        // The logits at position p predict token p + 1.
        var predicting = logits[0].narrow(0, prompt.Length - 1, generated.Count);
        var logProbs = nn.functional.log_softmax(predicting, -1);
        var chosen = logProbs.gather(-1, tensor(generated.Select(i => (long)i).ToArray()).unsqueeze(-1)).squeeze(-1);
        return ([.. predicting.argmax(-1).data<long>().ToArray().Select(i => (int)i)], chosen.data<float>().ToArray());
    }
}
