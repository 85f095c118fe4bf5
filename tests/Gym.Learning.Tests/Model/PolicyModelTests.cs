using FluentAssertions;
using Gym.Learning.Model;
using TorchSharp;
using Xunit;
using static Gym.Learning.Tests.Model.TestModels;
using static TorchSharp.torch;

namespace Gym.Learning.Tests.Model;

public sealed class PolicyModelTests
{
    [Fact]
    public void Forward_gives_logits_per_position_and_values_with_a_value_head()
    {
        using var model = new PolicyModel(Small with { ValueHead = true });
        using var scope = NewDisposeScope();
        model.eval();
        using var noGrad = no_grad();

        var output = model.Forward(Ids([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]));

        output.Logits.shape.Should().Equal(2, 5, 64);
        output.Values!.shape.Should().Equal(2, 5);
        output.Logits.isnan().any().item<bool>().Should().BeFalse();
    }

    [Fact]
    public void A_model_without_value_head_returns_no_values()
    {
        using var model = new PolicyModel(Small);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        model.Forward(Ids([1, 2, 3])).Values.Should().BeNull();
    }

    [Fact]
    public void Changing_a_future_token_leaves_earlier_logits_unchanged()
    {
        using var model = new PolicyModel(Small);
        using var scope = NewDisposeScope();

        var original = Logits(model, Ids([5, 6, 7, 8, 9, 10]));
        var changed = Logits(model, Ids([5, 6, 7, 8, 40, 41]));

        MaxAbsDifference(original.narrow(1, 0, 4), changed.narrow(1, 0, 4)).Should().Be(0);
        MaxAbsDifference(original.narrow(1, 4, 2), changed.narrow(1, 4, 2)).Should().BeGreaterThan(1e-4f);
    }

    [Fact]
    public void Incremental_forward_with_a_kv_cache_equals_the_full_forward()
    {
        using var model = new PolicyModel(Small, seed: 3);
        using var scope = NewDisposeScope();
        var ids = Ids([3, 14, 15, 9, 26, 5, 35, 8]);
        var full = Logits(model, ids);

        model.eval();
        using var noGrad = no_grad();
        using var cache = model.CreateCache(batch: 1, capacity: 8);
        var pieces = new List<Tensor> { model.Forward(ids.narrow(1, 0, 5), cache: cache).Logits };
        for (var t = 5; t < 8; t++)
        {
            pieces.Add(model.Forward(ids.narrow(1, t, 1), cache: cache).Logits);
        }

        cache.Length.Should().Be(8);
        MaxAbsDifference(cat(pieces, 1), full).Should().BeLessThan(1e-5f);
    }

    [Fact]
    public void Grouped_query_attention_equals_full_attention_with_each_kv_head_repeated()
    {
        // A model with 2 kv heads for 4 query heads must equal a 4-kv-head model whose kv heads 0,1 are the
        // first kv head and 2,3 the second (query head h reads kv head h / 2).
        var grouped = Small with { KvHeads = 2, TieEmbeddings = true };
        using var gqa = new PolicyModel(grouped, seed: 5);
        using var mha = new PolicyModel(grouped with { KvHeads = 4 }, seed: 6);
        using var scope = NewDisposeScope();
        var source = gqa.state_dict();
        using (no_grad())
        {
            foreach (var (name, target) in mha.state_dict())
            {
                var weight = source[name];
                if (name.Contains("k_proj", StringComparison.Ordinal) || name.Contains("v_proj", StringComparison.Ordinal))
                {
                    // Rows are [kv head, head dim]: repeat each kv head's block of rows twice.
                    var headDim = grouped.HeadDim;
                    var blocks = weight.reshape([2, (long)headDim, .. weight.shape.Skip(1)]);
                    weight = blocks.repeat_interleave(2, dim: 0).reshape(target.shape);
                }

                target.copy_(weight);
            }
        }

        var ids = Ids([1, 9, 17, 25, 33, 41, 49]);
        MaxAbsDifference(Logits(gqa, ids), Logits(mha, ids)).Should().BeLessThan(1e-5f);
    }

    [Fact]
    public void Explicit_position_ids_are_used_by_the_rotary_embedding()
    {
        using var model = new PolicyModel(Small, seed: 7);
        using var scope = NewDisposeScope();
        var ids = Ids([4, 8, 15, 16, 23, 42]);
        var implicitPositions = Logits(model, ids);

        var same = Logits(model, ids, Ids([0, 1, 2, 3, 4, 5]));
        var shifted = Logits(model, ids, Ids([10, 11, 12, 13, 14, 15]));
        var spread = Logits(model, ids, Ids([0, 2, 4, 6, 8, 10]));

        MaxAbsDifference(same, implicitPositions).Should().Be(0);

        // Rotary attention depends on relative positions only: a constant shift changes nothing...
        // (small random weights make attention nearly uniform, so position effects are small but clear)...
        MaxAbsDifference(shifted, implicitPositions).Should().BeLessThan(1e-5f);

        // ...while other gaps between tokens do.
        MaxAbsDifference(spread.narrow(1, 1, 5), implicitPositions.narrow(1, 1, 5)).Should().BeGreaterThan(1e-4f);
    }

    [Fact]
    public void A_left_padded_row_with_its_padding_mask_equals_the_unpadded_sequence()
    {
        using var model = new PolicyModel(Small, seed: 11);
        using var scope = NewDisposeScope();
        var alone = Logits(model, Ids([7, 8, 9, 10]));

        var padded = Ids([0, 0, 7, 8, 9, 10], [1, 2, 3, 4, 5, 6]);
        var mask = Bools(2, 6, false, false, true, true, true, true, true, true, true, true, true, true);
        var batched = Logits(model, padded, mask: mask);

        batched.isnan().any().item<bool>().Should().BeFalse("padding rows attend to themselves, not to nothing");
        MaxAbsDifference(batched[0].narrow(0, 2, 4), alone[0]).Should().BeLessThan(1e-5f);
    }

    [Fact]
    public void An_explicit_per_token_mask_equals_the_padding_mask_it_spells_out()
    {
        using var model = new PolicyModel(Small, seed: 12);
        using var scope = NewDisposeScope();
        var ids = Ids([0, 7, 8, 9]);
        var padding = Bools(1, 4, false, true, true, true);

        // Query t may see keys 1..t (the causal constraint is added by the model anyway).
        var explicitMask = padding.unsqueeze(1).expand(1, 4, 4).contiguous();
        var positions = Ids([0, 0, 1, 2]);

        var fromPadding = Logits(model, ids, mask: padding);
        var fromExplicit = Logits(model, ids, positions, explicitMask);

        MaxAbsDifference(fromExplicit.narrow(1, 1, 3), fromPadding.narrow(1, 1, 3)).Should().BeLessThan(1e-6f);
    }

    [Fact]
    public void Masks_and_positions_of_the_wrong_shape_are_refused()
    {
        using var model = new PolicyModel(Small);
        using var scope = NewDisposeScope();
        var ids = Ids([1, 2, 3]);

        var badMask = () => model.Forward(ids, attentionMask: ones([1, 5], ScalarType.Bool));
        var badPositions = () => model.Forward(ids, positionIds: Ids([0, 1]));

        badMask.Should().Throw<ArgumentException>().WithMessage("*attention mask must be [1, 3]*");
        badPositions.Should().Throw<ArgumentException>().WithMessage("*position ids must be [1, 3]*");
    }

    [Fact]
    public void A_forward_in_a_dispose_scope_leaves_no_tensor_behind()
    {
        using var model = new PolicyModel(Small with { ValueHead = true });
        using var ids = Ids([1, 2, 3, 4]);
        var mask = ones([1, 4], ScalarType.Bool);
        using (no_grad())
        using (var warmUp = NewDisposeScope())
        {
            model.Forward(ids, attentionMask: mask);
        }

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            model.Forward(ids, attentionMask: mask);
            using var cache = model.CreateCache(1, 6);
            model.Forward(ids, attentionMask: mask, cache: cache);
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        mask.Dispose();
    }

    [Fact]
    public void Training_a_few_steps_lowers_the_loss()
    {
        // Gradients flow through every module: a tiny model learns a fixed sequence quickly.
        using var model = new PolicyModel(Small, seed: 2);
        model.train();
        using var optimizer = optim.Adam(model.parameters(), lr: 1e-2);
        using var ids = Ids([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        float Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var logits = model.Forward(ids.narrow(1, 0, 11)).Logits;
            var loss = nn.functional.cross_entropy(logits.reshape(-1, 64), ids.narrow(1, 1, 11).reshape(-1));
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }

        var first = Step();
        var last = first;
        for (var i = 0; i < 20; i++)
        {
            last = Step();
        }

        last.Should().BeLessThan(first / 2);
    }

    [Fact]
    public void Preset_parameter_counts_are_about_1M_and_100M()
    {
        using var tiny = new PolicyModel(PolicyConfig.Tiny);

        tiny.ParameterCount().Should().Be(PolicyConfig.Tiny.ParameterCount());
        tiny.ParameterCount().Should().BeInRange(800_000, 1_200_000);
        PolicyConfig.Small100M.ParameterCount().Should().BeInRange(90_000_000, 110_000_000);
        using var untied = new PolicyModel(Small with { ValueHead = true, AttentionBias = false, AttentionOutputBias = true });
        untied.ParameterCount().Should().Be(untied.Config.ParameterCount());
    }

    [Fact]
    public void An_invalid_config_is_refused_with_every_problem_named()
    {
        var config = Small with { HiddenSize = 30, KvHeads = 3, RopeTheta = 0 };

        var create = () => new PolicyModel(config);

        create.Should().Throw<ArgumentException>()
            .WithMessage("*RopeTheta must be positive*")
            .WithMessage("*HiddenSize (30) must be divisible by Heads (4)*")
            .WithMessage("*Heads (4) must be a multiple of KvHeads (3)*");
    }

    [Fact]
    public void The_same_seed_gives_the_same_initial_weights()
    {
        using var a = new PolicyModel(Small, seed: 42);
        using var b = new PolicyModel(Small, seed: 42);
        using var c = new PolicyModel(Small, seed: 43);
        using var scope = NewDisposeScope();
        var ids = Ids([1, 2, 3]);

        MaxAbsDifference(Logits(a, ids), Logits(b, ids)).Should().Be(0);
        MaxAbsDifference(Logits(a, ids), Logits(c, ids)).Should().BeGreaterThan(0);
    }
}
