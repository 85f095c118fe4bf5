using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Gym.Core.Context;

/// <summary>Counts the tokens a chat message takes in a model's context.</summary>
public interface ITokenCounter
{
    /// <summary>The tokenizer's name as given to <see cref="TokenCounters.Create"/>, e.g. <c>o200k</c>.</summary>
    string Name { get; }

    /// <summary>The tokens <paramref name="message"/> takes in a context, chat-template overhead included.</summary>
    int Count(ChatMessage message);

    /// <summary>The tokens of <paramref name="text"/> alone, without any chat-template overhead.</summary>
    int CountText(string text);
}

/// <summary>
/// A token counter over a tiktoken BPE tokenizer. A message counts the tokens of its content plus
/// <see cref="MessageOverhead"/>. Safe to use from many threads at once.
/// </summary>
public sealed class TiktokenTokenCounter : ITokenCounter
{
    /// <summary>
    /// Tokens added per message for what a chat template wraps around the content: a start marker,
    /// the role, a separator and an end marker (OpenAI's ChatML cookbook counts the same 4 for
    /// <c>&lt;|im_start|&gt;role\n…&lt;|im_end|&gt;\n</c>). Fixed, so counts do not depend on a template.
    /// </summary>
    public const int MessageOverhead = 4;

    private readonly Func<string, int> _countTokens;

    internal TiktokenTokenCounter(string name, Tokenizer tokenizer)
        : this(name, text => tokenizer.CountTokens(text))
    {
    }

    /// <summary>A counter over any text counter with tiktoken's semantics, such as <see cref="O200kBpe"/>.</summary>
    internal TiktokenTokenCounter(string name, Func<string, int> countTokens)
    {
        Name = name;
        _countTokens = countTokens;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public int CountText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _countTokens(text);
    }

    /// <inheritdoc />
    public int Count(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Role != ChatRole.System)
        {
            return _countTokens(message.Content) + MessageOverhead;
        }

        // A system prompt is the same text in every episode of an environment (and usually one
        // shared string): counted once per process instead of once per episode, where it was the
        // largest single cost of an arithmetic step. Bounded, like the prompt cache that feeds it.
        // The last one is checked by reference first, which skips hashing the whole prompt.
        var last = Volatile.Read(ref _lastSystem);
        if (last is not null && ReferenceEquals(last.Text, message.Content))
        {
            return last.Count;
        }

        if (!_systemCounts.TryGetValue(message.Content, out var count))
        {
            count = _countTokens(message.Content) + MessageOverhead;
            if (_systemCounts.Count >= MaxCachedSystemPrompts)
            {
                _systemCounts.Clear();
            }

            _systemCounts.TryAdd(message.Content, count);
        }

        Volatile.Write(ref _lastSystem, new CountedText(message.Content, count));
        return count;
    }

    private sealed record CountedText(string Text, int Count);

    private CountedText? _lastSystem;

    private const int MaxCachedSystemPrompts = 256;

    private readonly ConcurrentDictionary<string, int> _systemCounts = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>
/// Creates token counters by name: <c>o200k</c> (GPT-4o's encoding, the default), <c>cl100k</c>
/// (GPT-4's), or the path of a <c>.tiktoken</c> BPE file. Tokenizers take hundreds of milliseconds
/// to load, so each one is created once per process and shared.
/// </summary>
public static partial class TokenCounters
{
    /// <summary>The default tokenizer name.</summary>
    public const string DefaultName = "o200k";

    /// <summary>What <see cref="Create"/> accepts, for help texts.</summary>
    public const string Help = "o200k (default) | cl100k | path to a .tiktoken BPE file or a Hugging Face tokenizer.json";

    private static readonly ConcurrentDictionary<string, Lazy<ITokenCounter>> Cache = new(StringComparer.Ordinal);

    // Counts with a Hugging Face tokenizer.json; Gym.Core cannot read one, the host registers a reader.
    private static Func<string, ITokenCounter>? _jsonTokenizer;

    /// <summary>
    /// Registers the reader for Hugging Face <c>tokenizer.json</c> files (Gym.Learning's, which counts with
    /// the tokenizer and its chat template); the command line registers it at startup.
    /// </summary>
    public static void RegisterJsonTokenizer(Func<string, ITokenCounter> load)
    {
        ArgumentNullException.ThrowIfNull(load);
        Volatile.Write(ref _jsonTokenizer, load);
    }

    /// <summary>The counter for <see cref="DefaultName"/>.</summary>
    public static ITokenCounter Default => Create(DefaultName);

    // The pre-tokenizer of cl100k (tiktoken's pattern), used for .tiktoken files because the file
    // holds only the ranks; it is also the pattern of most tiktoken-format tokenizers derived from it.
    [GeneratedRegex(@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant)]
    private static partial Regex TiktokenFilePattern();

    /// <summary>
    /// The counter for a name or a tokenizer file; the same instance for the same name (or full
    /// path) on every call. Throws <see cref="ArgumentException"/> saying what is accepted when the
    /// name is unknown, the file is missing, or its format is not supported.
    /// </summary>
    public static ITokenCounter Create(string nameOrPath)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        var key = Canonical(nameOrPath);
        var lazy = Cache.GetOrAdd(key, k => new Lazy<ITokenCounter>(() => Load(k, nameOrPath.Trim()), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed load is not cached: the file may be fixed and asked for again.
            Cache.TryRemove(KeyValuePair.Create(key, lazy));
            throw;
        }
    }

    /// <summary>
    /// Starts loading the counter for <paramref name="nameOrPath"/> on a background thread and returns at once,
    /// so that a command can do its other start-up work (the actor system, the output file) while the
    /// tokenizer's rank table is read; a later <see cref="Create"/> of the same name waits for that load instead
    /// of starting its own, and throws its error if it failed. Does nothing for a name already loaded or loading.
    /// </summary>
    public static void Preload(string nameOrPath)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        string key;
        try
        {
            key = Canonical(nameOrPath);
        }
        catch (ArgumentException)
        {
            // An empty name: Create says so where the caller asks for the counter.
            return;
        }

        if (Cache.ContainsKey(key))
        {
            return;
        }

        // A dedicated thread, not the thread pool: the load is a few hundred milliseconds of CPU that would
        // otherwise hold a pool thread the actor system and the host want while they start.
        var thread = new Thread(() =>
        {
            try
            {
                Create(nameOrPath);
                StartupTrace.Mark($"tokenizer ready ({key})");
            }
            catch (Exception)
            {
                // Not cached (see Create): the caller's own Create loads again and reports the error there,
                // where it can; an exception left to escape a thread of its own would end the process.
            }
        })
        {
            IsBackground = true,
            Name = "tokenizer load",
        };
        thread.Start();
    }

    private static string Canonical(string nameOrPath)
    {
        var trimmed = nameOrPath.Trim();
        if (trimmed.Length == 0)
        {
            throw new ArgumentException($"the tokenizer name is empty: expected {Help}");
        }

        return trimmed.ToLowerInvariant() switch
        {
            "o200k" or "o200k_base" => "o200k",
            "cl100k" or "cl100k_base" => "cl100k",
            _ => "file:" + Path.GetFullPath(trimmed),
        };
    }

    private static ITokenCounter Load(string key, string given)
    {
        switch (key)
        {
            case "o200k":
                // Our own reader of the library's rank file: the same counts (the differential tests), a fraction
                // of the library's load time and per-call cost.
                var o200k = O200kBpe.Load();
                return new TiktokenTokenCounter("o200k", text => o200k.CountTokens(text));
            case "cl100k":
                return new TiktokenTokenCounter("cl100k", TiktokenTokenizer.CreateForEncoding("cl100k_base"));
        }

        var path = key["file:".Length..];
        var json = Path.GetFileName(path).EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        if (json && Volatile.Read(ref _jsonTokenizer) is { } loadJson)
        {
            if (!File.Exists(path))
            {
                throw new ArgumentException($"tokenizer file '{given}' does not exist");
            }

            try
            {
                return loadJson(given);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or NotSupportedException or InvalidOperationException)
            {
                throw new ArgumentException($"cannot load tokenizer file '{given}': {ex.Message}", ex);
            }
        }

        if (!path.EndsWith(".tiktoken", StringComparison.OrdinalIgnoreCase))
        {
            var why = json
                ? "this program has no reader for Hugging Face tokenizer.json files registered (the gym command line has one)"
                : File.Exists(path) ? "only .tiktoken BPE files and Hugging Face tokenizer.json files are supported" : "it is neither a known tokenizer nor a tokenizer file";
            throw new ArgumentException($"unknown tokenizer '{given}': {why}; expected {Help}");
        }

        if (!File.Exists(path))
        {
            throw new ArgumentException($"tokenizer file '{given}' does not exist");
        }

        try
        {
            var tokenizer = TiktokenTokenizer.Create(path, new RegexPreTokenizer(TiktokenFilePattern(), specialTokens: null), normalizer: null);
            return new TiktokenTokenCounter(given, tokenizer);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException($"cannot load tokenizer file '{given}': {ex.Message}", ex);
        }
    }
}
