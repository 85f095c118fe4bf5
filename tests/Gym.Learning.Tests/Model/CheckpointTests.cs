using System.Text.Json.Nodes;
using FluentAssertions;
using Gym.Learning.Model;
using Xunit;
using static Gym.Learning.Tests.Model.TestModels;
using static TorchSharp.torch;

namespace Gym.Learning.Tests.Model;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gym-checkpoint-tests-" + Guid.NewGuid().ToString("N"));

    public CheckpointTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Save_then_load_gives_identical_outputs(bool tied, bool valueHead)
    {
        using var model = new PolicyModel(Small with { TieEmbeddings = tied, ValueHead = valueHead }, seed: 31);
        using var scope = NewDisposeScope();
        var ids = Ids([3, 1, 4, 1, 5, 9, 2, 6]);

        PolicyCheckpoint.Save(model, _directory);
        using var loaded = PolicyCheckpoint.Load(_directory);

        loaded.Config.Should().Be(model.Config);
        MaxAbsDifference(Logits(loaded, ids), Logits(model, ids)).Should().Be(0);
        if (valueHead)
        {
            using var noGrad = no_grad();
            MaxAbsDifference(loaded.Forward(ids).Values!, model.Forward(ids).Values!).Should().Be(0);
        }

        Directory.GetFiles(_directory).Select(Path.GetFileName).Should().BeEquivalentTo(["config.json", "model.safetensors"]);
    }

    [Fact]
    public void Loading_into_a_model_of_another_config_names_the_mismatch()
    {
        using var saved = new PolicyModel(Small);
        PolicyCheckpoint.Save(saved, _directory);
        using var other = new PolicyModel(Small with { HiddenSize = 64, Layers = 3 });

        var load = () => PolicyCheckpoint.LoadInto(other, _directory);

        load.Should().Throw<InvalidDataException>().WithMessage("*HiddenSize: 32 vs 64*Layers: 2 vs 3*");
    }

    [Fact]
    public void A_checkpoint_without_value_head_loads_into_a_value_head_model_with_values_zero_and_back()
    {
        using var scope = NewDisposeScope();
        var ids = Ids([3, 1, 4, 1, 5, 9, 2, 6]);
        using var sft = new PolicyModel(Small, seed: 33);
        PolicyCheckpoint.Save(sft, _directory);

        // Exact loading names the one difference and how to get past it.
        using var critic = new PolicyModel(Small with { ValueHead = true }, seed: 34);
        var exact = () => PolicyCheckpoint.LoadInto(critic, _directory);
        exact.Should().Throw<InvalidDataException>().WithMessage("*ValueHead: False vs True. To start from a checkpoint without a value head, pass adaptValueHead: true (the value head starts at zero)");

        PolicyCheckpoint.LoadInto(critic, _directory, adaptValueHead: true);
        MaxAbsDifference(Logits(critic, ids), Logits(sft, ids)).Should().Be(0);
        using (no_grad())
        {
            critic.Forward(ids).Values!.abs().max().item<float>().Should().Be(0, "a fresh value head starts at V = 0");
        }

        using var loaded = PolicyCheckpoint.Load(_directory, valueHead: true);
        loaded.Config.Should().Be(Small with { ValueHead = true });
        MaxAbsDifference(Logits(loaded, ids), Logits(sft, ids)).Should().Be(0);
        using (no_grad())
        {
            loaded.Forward(ids).Values!.abs().max().item<float>().Should().Be(0);
        }

        // And back: a value-head checkpoint into a model without one drops the head.
        using (no_grad())
        {
            foreach (var parameter in critic.parameters())
            {
                parameter.add_(0.01);
            }
        }

        PolicyCheckpoint.Save(critic, _directory);
        using var actor = new PolicyModel(Small, seed: 35);
        var strict = () => PolicyCheckpoint.LoadInto(actor, _directory);
        strict.Should().Throw<InvalidDataException>().WithMessage("*ValueHead: True vs False. To start from a checkpoint with a value head, pass adaptValueHead: true (the saved value head is dropped)");
        PolicyCheckpoint.LoadInto(actor, _directory, adaptValueHead: true);
        MaxAbsDifference(Logits(actor, ids), Logits(critic, ids)).Should().Be(0);
        using var dropped = PolicyCheckpoint.Load(_directory, valueHead: false);
        dropped.Config.ValueHead.Should().BeFalse();
        MaxAbsDifference(Logits(dropped, ids), Logits(critic, ids)).Should().Be(0);
        using (no_grad())
        {
            dropped.Forward(ids).Values.Should().BeNull();
        }

        // Other mismatches are still refused, by name, even when the value head may differ.
        using var wider = new PolicyModel(Small with { HiddenSize = 64, ValueHead = true });
        var other = () => PolicyCheckpoint.LoadInto(wider, _directory, adaptValueHead: true);
        other.Should().Throw<InvalidDataException>().Which.Message.Should().Contain("HiddenSize: 32 vs 64").And.NotContain("ValueHead");
    }

    [Fact]
    public void Hugging_face_tensor_names_load_onto_the_modules_with_identical_logits()
    {
        var config = Small with { Layers = 2 };
        using var source = new PolicyModel(config, seed: 41);
        using var scope = NewDisposeScope();

        // The names a Qwen2ForCausalLM checkpoint has, spelled out independently of the model's own naming.
        var names = new List<string> { "model.embed_tokens.weight", "model.norm.weight", "lm_head.weight" };
        for (var i = 0; i < config.Layers; i++)
        {
            var layer = $"model.layers.{i}.";
            names.AddRange([
                layer + "input_layernorm.weight", layer + "post_attention_layernorm.weight",
                layer + "self_attn.q_proj.weight", layer + "self_attn.q_proj.bias",
                layer + "self_attn.k_proj.weight", layer + "self_attn.k_proj.bias",
                layer + "self_attn.v_proj.weight", layer + "self_attn.v_proj.bias",
                layer + "self_attn.o_proj.weight",
                layer + "mlp.gate_proj.weight", layer + "mlp.up_proj.weight", layer + "mlp.down_proj.weight",
            ]);
        }

        var weights = source.state_dict();
        weights.Keys.Should().BeEquivalentTo(names);
        var file = Path.Combine(_directory, "model.safetensors");
        Safetensors.Save(file, names.Select(n => KeyValuePair.Create(n, weights[n])));

        using var fresh = new PolicyModel(config, seed: 42);
        PolicyCheckpoint.LoadWeights(fresh, file);

        var ids = Ids([10, 20, 30, 40, 50]);
        MaxAbsDifference(Logits(fresh, ids), Logits(source, ids)).Should().Be(0);
    }

    [Fact]
    public void Half_precision_weights_load_converted_to_the_model_dtype()
    {
        using var source = new PolicyModel(Small, seed: 43);
        using var scope = NewDisposeScope();
        var file = Path.Combine(_directory, "model.safetensors");
        Safetensors.Save(file, source.state_dict().Select(p => KeyValuePair.Create(p.Key, p.Value.to_type(ScalarType.BFloat16))));

        using var fresh = new PolicyModel(Small, seed: 44);
        PolicyCheckpoint.LoadWeights(fresh, file);

        var ids = Ids([1, 2, 3, 4]);
        fresh.DType.Should().Be(ScalarType.Float32);
        MaxAbsDifference(Logits(fresh, ids), Logits(source, ids)).Should().BeLessThan(0.05f);
    }

    [Fact]
    public void Missing_extra_and_misshapen_tensors_are_all_listed()
    {
        using var source = new PolicyModel(Small, seed: 45);
        using var scope = NewDisposeScope();
        var weights = source.state_dict();
        weights.Remove("model.layers.1.mlp.up_proj.weight");
        weights["model.layers.0.self_attn.rotary_emb.inv_freq"] = ones(4);
        weights["model.layers.7.mlp.up_proj.weight"] = ones(2, 2);
        weights["model.norm.weight"] = ones(31);
        var file = Path.Combine(_directory, "model.safetensors");
        Safetensors.Save(file, weights);

        using var fresh = new PolicyModel(Small);
        var load = () => PolicyCheckpoint.LoadWeights(fresh, file);

        load.Should().Throw<InvalidDataException>()
            .WithMessage("*map onto no parameter: model.layers.7.mlp.up_proj.weight*")
            .WithMessage("*missing from the file: model.layers.1.mlp.up_proj.weight*")
            .WithMessage("*model.norm.weight [31] in the file vs [32] in the model*")
            .Which.Message.Should().NotContain("inv_freq", "rotary frequency buffers of older checkpoints are skipped");
    }

    [Fact]
    public void A_sharded_checkpoint_with_a_hugging_face_config_loads()
    {
        using var source = new PolicyModel(Small with { TieEmbeddings = true }, seed: 46);
        using var scope = NewDisposeScope();
        var weights = source.state_dict().ToList();
        Safetensors.Save(Path.Combine(_directory, "model-00001-of-00002.safetensors"), weights.Take(5));
        Safetensors.Save(Path.Combine(_directory, "model-00002-of-00002.safetensors"), weights.Skip(5));
        var map = new JsonObject();
        foreach (var (name, index) in weights.Select((w, i) => (w.Key, i)))
        {
            map[name] = index < 5 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
        }

        File.WriteAllText(Path.Combine(_directory, "model.safetensors.index.json"), new JsonObject { ["weight_map"] = map }.ToJsonString());
        File.WriteAllText(Path.Combine(_directory, "config.json"), """
            {
              "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
              "vocab_size": 64, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
              "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 128,
              "rope_theta": 10000.0, "rms_norm_eps": 1e-06, "tie_word_embeddings": true,
              "use_sliding_window": false, "rope_scaling": null, "torch_dtype": "bfloat16"
            }
            """);

        using var loaded = PolicyCheckpoint.Load(_directory);

        loaded.Config.Should().Be(source.Config);
        var ids = Ids([9, 8, 7]);
        MaxAbsDifference(Logits(loaded, ids), Logits(source, ids)).Should().Be(0);
    }

    [Fact]
    public void Llama_configs_map_attention_bias_and_unsupported_settings_are_refused()
    {
        const string llama = """
            {"model_type": "llama", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128,
             "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2, "attention_bias": true,
             "rope_theta": 500000.0, "rms_norm_eps": 1e-05, "max_position_embeddings": 256}
            """;

        var config = PolicyConfig.FromHuggingFaceJson(llama);

        config.Should().Be(new PolicyConfig
        {
            VocabSize = 100, HiddenSize = 64, IntermediateSize = 128, Layers = 2, Heads = 8, KvHeads = 2,
            RopeTheta = 500_000, RmsNormEps = 1e-5, MaxPositions = 256, TieEmbeddings = false,
            AttentionBias = true, AttentionOutputBias = true,
        });
        PolicyConfig.FromHuggingFaceJson(config.ToHuggingFaceJson()).Should().Be(config);
        var scaled = () => PolicyConfig.FromHuggingFaceJson(llama.Replace("\"attention_bias\": true", "\"rope_scaling\": {\"type\": \"llama3\"}", StringComparison.Ordinal));
        var gpt2 = () => PolicyConfig.FromHuggingFaceJson("""{"model_type": "gpt2"}""");
        scaled.Should().Throw<NotSupportedException>().WithMessage("*rope_scaling*");
        gpt2.Should().Throw<NotSupportedException>().WithMessage("*'gpt2'*qwen2, llama*");
    }
}
