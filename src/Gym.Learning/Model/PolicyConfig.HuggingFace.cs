using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gym.Learning.Model;

/// <summary>Reading and writing Hugging Face <c>config.json</c> files (Qwen2 and Llama).</summary>
public sealed partial record PolicyConfig
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// Reads a Hugging Face <c>config.json</c> of a Qwen2 or Llama model (or one written by
    /// <see cref="ToHuggingFaceJson"/>). Settings this model cannot honor (rope scaling, sliding windows,
    /// MLP biases, another activation) are refused rather than ignored.
    /// </summary>
    /// <exception cref="FormatException">The JSON is unreadable or lacks a required key.</exception>
    /// <exception cref="NotSupportedException">The model type or a setting is not supported.</exception>
    public static PolicyConfig FromHuggingFaceJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("config.json is empty");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new FormatException($"config.json is not a JSON object: {ex.Message}", ex);
        }

        var modelType = (string?)root["model_type"];
        var qwen2 = modelType == "qwen2";
        if (!qwen2 && modelType != "llama")
        {
            throw new NotSupportedException($"config.json describes a '{modelType}' model; supported: qwen2, llama");
        }

        T Required<T>(string key) =>
            root[key] is { } node ? node.GetValue<T>() : throw new FormatException($"config.json has no \"{key}\"");
        T Optional<T>(string key, T fallback) => root[key] is { } node ? node.GetValue<T>() : fallback;

        if (root["rope_scaling"] is JsonObject)
        {
            throw new NotSupportedException("config.json asks for rope_scaling, which this model does not implement");
        }

        if (Optional("use_sliding_window", false))
        {
            throw new NotSupportedException("config.json asks for sliding-window attention, which this model does not implement");
        }

        if (Optional("mlp_bias", false))
        {
            throw new NotSupportedException("config.json asks for MLP biases, which this model does not have");
        }

        var activation = Optional("hidden_act", "silu");
        if (activation != "silu")
        {
            throw new NotSupportedException($"config.json uses the {activation} activation; this model's MLP is SwiGLU (silu)");
        }

        var heads = Required<int>("num_attention_heads");
        var attentionBias = Optional("attention_bias", false);
        var config = new PolicyConfig
        {
            VocabSize = Required<int>("vocab_size"),
            HiddenSize = Required<int>("hidden_size"),
            Layers = Required<int>("num_hidden_layers"),
            Heads = heads,
            KvHeads = Optional("num_key_value_heads", heads),
            IntermediateSize = Required<int>("intermediate_size"),
            RopeTheta = Optional("rope_theta", 10_000.0),
            RmsNormEps = Optional("rms_norm_eps", 1e-6),
            MaxPositions = Optional("max_position_embeddings", 2048),
            TieEmbeddings = Optional("tie_word_embeddings", false),

            // Qwen2 always has q/k/v biases and no output bias; Llama's attention_bias sets all four.
            AttentionBias = qwen2 || attentionBias,
            AttentionOutputBias = !qwen2 && attentionBias,
            ValueHead = Optional("gym_value_head", false),
        };
        if (root["head_dim"] is { } headDim && headDim.GetValue<int>() != config.HeadDim)
        {
            throw new NotSupportedException($"config.json sets head_dim {headDim} but hidden_size/num_attention_heads is {config.HeadDim}; this model needs them equal");
        }

        return config.Validate();
    }

    /// <summary>
    /// This configuration as a Hugging Face <c>config.json</c>: a Qwen2 model when the attention has the
    /// Qwen2 biases, a Llama model otherwise, so Hugging Face tools can load the checkpoint
    /// (<c>gym_value_head</c> is ours and ignored there).
    /// </summary>
    public string ToHuggingFaceJson()
    {
        Validate();
        var qwen2 = AttentionBias && !AttentionOutputBias;
        if (!qwen2 && AttentionBias != AttentionOutputBias)
        {
            throw new NotSupportedException("output-projection bias without q/k/v biases has no Hugging Face equivalent");
        }

        var root = new JsonObject
        {
            ["architectures"] = new JsonArray(qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM"),
            ["model_type"] = qwen2 ? "qwen2" : "llama",
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KvHeads,
            ["intermediate_size"] = IntermediateSize,
            ["hidden_act"] = "silu",
            ["rope_theta"] = RopeTheta,
            ["rms_norm_eps"] = RmsNormEps,
            ["max_position_embeddings"] = MaxPositions,
            ["tie_word_embeddings"] = TieEmbeddings,
            ["torch_dtype"] = "float32",
            ["gym_value_head"] = ValueHead,
        };
        if (!qwen2)
        {
            root["attention_bias"] = AttentionBias;
        }

        return root.ToJsonString(Indented);
    }
}
