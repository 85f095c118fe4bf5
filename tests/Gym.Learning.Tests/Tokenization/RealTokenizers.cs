using System.Collections.Concurrent;
using System.IO.Compression;
using Gym.Learning.Tokenization;

namespace Gym.Learning.Tests.Tokenization;

/// <summary>
/// The real Qwen2.5, Qwen3 and Llama 3 tokenizer files committed under Fixtures/Tokenizers (gzip-compressed;
/// tools/golden/render-templates.mjs fetches them), each loaded once per test run.
/// </summary>
internal static class RealTokenizers
{
    private static readonly ConcurrentDictionary<string, Lazy<HuggingFaceTokenizer>> Loaded = new(StringComparer.Ordinal);

    public static string Folder(string model) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Tokenizers", model);

    public static string FixturePath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    public static HuggingFaceTokenizer Get(string model) =>
        Loaded.GetOrAdd(model, name => new Lazy<HuggingFaceTokenizer>(() => Load(name))).Value;

    /// <summary>Writes the model's tokenizer.json (decompressed) and tokenizer_config.json into <paramref name="directory"/>.</summary>
    public static void WriteTo(string model, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), TokenizerJson(model));
        File.Copy(Path.Combine(Folder(model), "tokenizer_config.json"), Path.Combine(directory, "tokenizer_config.json"), overwrite: true);
    }

    private static HuggingFaceTokenizer Load(string model) =>
        HuggingFaceTokenizer.FromJson(TokenizerJson(model), File.ReadAllText(Path.Combine(Folder(model), "tokenizer_config.json")));

    private static string TokenizerJson(string model)
    {
        using var file = File.OpenRead(Path.Combine(Folder(model), "tokenizer.json.gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return reader.ReadToEnd();
    }
}
