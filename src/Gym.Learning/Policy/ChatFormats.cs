using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gym.Learning.Policy;

/// <summary>
/// The built-in chat templates by name, and the recognition of a checkpoint's own Jinja
/// <c>chat_template</c>: Gym does not run Jinja; it knows the real templates of the models it supports by
/// the SHA-256 of their text (line endings as <c>\n</c>, surrounding whitespace trimmed) and renders each with
/// its exact C# equivalent.
/// </summary>
public static class ChatFormats
{
    /// <summary>Gym's own ChatML, the default (the byte tokenizer's format).</summary>
    public static ChatFormat ChatML { get; } = new GymChatMLFormat();

    /// <summary>Qwen2-Instruct's template.</summary>
    public static ChatFormat Qwen2 { get; } = new Qwen2Format();

    /// <summary>Qwen2.5-Instruct's template.</summary>
    public static ChatFormat Qwen25 { get; } = new Qwen25Format();

    /// <summary>Qwen3's template.</summary>
    public static ChatFormat Qwen3 { get; } = new Qwen3Format();

    /// <summary>Meta-Llama-3-Instruct's template.</summary>
    public static ChatFormat Llama3 { get; } = new Llama3Format();

    /// <summary>Every built-in format, by name.</summary>
    public static IReadOnlyList<ChatFormat> All { get; } = [ChatML, Qwen2, Qwen25, Qwen3, Llama3];

    /// <summary>The names <c>--template</c> accepts, separated by <c>|</c>.</summary>
    public static string Names => string.Join("|", All.Select(f => f.Name));

    // SHA-256 of each real template's normalized text (see Fingerprint), as its tokenizer_config.json holds it.
    private static readonly Dictionary<string, ChatFormat> Known = new(StringComparer.Ordinal)
    {
        // Gym's ChatML written as Jinja (tools/golden/render-templates.mjs).
        ["ffd5890356020d943164d62f91219c5e839e2ca94cf7e7d5fdfebfd553b3f232"] = ChatML,
        // Qwen2-Instruct / Qwen1.5-Chat.
        ["f0206845c9ebc3abb4735d44f286eb81ce99238ad2accc710c6fc60e6cb8ccc8"] = Qwen2,
        // Qwen2.5-Instruct.
        ["55b2f4a26ac9ee719330a61a0c39d9e538b0e9322212f048326318cff4f8674a"] = Qwen25,
        // Qwen3.
        ["87a2728cb8dc9fe424d624542f6060ec05a1d285ebbec578bb078900e33396b5"] = Qwen3,
        // Meta-Llama-3-Instruct (the template that always ends with the assistant header).
        ["b48c47f6443892716176eb200bf4ef108f64e06ca26ed0fa8ebc0a4b3992fcb2"] = Llama3,
    };

    /// <summary>The built-in format called <paramref name="name"/> (case-insensitive; <c>qwen25</c> = <c>qwen2.5</c>).</summary>
    /// <exception cref="ArgumentException">No format has that name; the message lists the names.</exception>
    public static ChatFormat Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant() switch
        {
            "qwen25" or "qwen2_5" => "qwen2.5",
            "llama-3" or "llama3-instruct" => "llama3",
            var other => other,
        };
        return All.FirstOrDefault(f => f.Name == key)
            ?? throw new ArgumentException($"unknown chat template '{name}'; the built-in templates are {string.Join(", ", All.Select(f => f.Name))}", nameof(name));
    }

    /// <summary>The normalized-text SHA-256 (lower-case hex) Gym recognises a Jinja template by.</summary>
    public static string Fingerprint(string jinja)
    {
        ArgumentNullException.ThrowIfNull(jinja);
        var normalized = jinja.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
    }

    /// <summary>The built-in format whose real template is <paramref name="jinja"/>, or null when Gym does not know it.</summary>
    public static ChatFormat? Recognize(string jinja) => Known.GetValueOrDefault(Fingerprint(jinja));

    /// <summary>
    /// The format a <c>tokenizer_config.json</c>'s <c>chat_template</c> asks for (a string, or a list of named
    /// templates whose <c>default</c> is used), or null when the file has no template.
    /// </summary>
    /// <param name="tokenizerConfigJson">The file's text.</param>
    /// <param name="source">The file's path, for messages.</param>
    /// <exception cref="NotSupportedException">The template is Jinja that Gym does not recognise; the message names <c>--template NAME</c>.</exception>
    /// <exception cref="FormatException">The file is not valid JSON.</exception>
    public static ChatFormat? FromTokenizerConfig(string tokenizerConfigJson, string source)
    {
        ArgumentNullException.ThrowIfNull(tokenizerConfigJson);
        JsonNode? template;
        try
        {
            template = JsonNode.Parse(tokenizerConfigJson)?["chat_template"];
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            throw new FormatException($"{source}: not valid JSON: {exception.Message}", exception);
        }

        var text = template switch
        {
            null => null,
            JsonValue value when value.TryGetValue<string>(out var jinja) => jinja,
            JsonArray named => named.OfType<JsonObject>().Where(t => (string?)t["name"] == "default").Select(t => (string?)t["template"]).FirstOrDefault()
                ?? throw new NotSupportedException($"{source}: chat_template lists named templates but none is called 'default'; pass --template NAME ({Names})"),
            _ => throw new FormatException($"{source}: chat_template must be a string or a list of {{name, template}} objects"),
        };
        if (text is null)
        {
            return null;
        }

        return Recognize(text) ?? throw new NotSupportedException(
            $"{source}: chat_template is a Jinja template Gym does not recognise (sha256 {Fingerprint(text)[..12]}…); Gym renders only the built-in templates {string.Join(", ", All.Select(f => f.Name))}, each exactly as its model's real template — pass --template NAME to choose the one this model was trained with");
    }

    /// <summary>
    /// The format for a checkpoint or tokenizer folder: <paramref name="templateName"/> when given, else the
    /// recognised <c>chat_template</c> of the <c>tokenizer_config.json</c> in <paramref name="folder"/>, else
    /// <see cref="ChatML"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown <paramref name="templateName"/>.</exception>
    /// <exception cref="NotSupportedException">An unrecognised Jinja template and no name given.</exception>
    public static ChatFormat Resolve(string? templateName, string? folder)
    {
        if (!string.IsNullOrWhiteSpace(templateName))
        {
            return Get(templateName);
        }

        var config = folder is null ? null : Path.Combine(folder, "tokenizer_config.json");
        return config is not null && File.Exists(config)
            ? FromTokenizerConfig(File.ReadAllText(config), config) ?? ChatML
            : ChatML;
    }
}
