using Gym.Core;
using Gym.Learning.Tokenization;

namespace Gym.Learning.Policy;

/// <summary>
/// Turns chat messages into the token ids a <see cref="Model.PolicyModel"/> reads: the single place where
/// both rollout (<see cref="TorchPolicy"/>) and training (<see cref="Training.TrainingSampleBuilder"/>) build
/// a context, so the two always see the same ids for the same messages. A pure function of the messages.
/// </summary>
/// <remarks>
/// <para>The format is ChatML, with the tokenizer's special tokens as role markers:</para>
/// <code>
/// [&lt;|bos|&gt;]                               only when the tokenizer has a BOS id
/// &lt;|im_start|&gt;system\n{content}&lt;|im_end|&gt;\n     one block per message, in order
/// &lt;|im_start|&gt;user\n{content}&lt;|im_end|&gt;\n
/// &lt;|im_start|&gt;assistant\n{content}&lt;|im_end|&gt;\n
/// &lt;|im_start|&gt;tool calculator\n{content}&lt;|im_end|&gt;\n   a tool message names its tool after a space
/// &lt;|im_start|&gt;assistant\n                       the generation prompt: the model writes the turn,
///                                             ending it with &lt;|im_end|&gt;
/// </code>
/// <para>
/// <c>&lt;|im_start|&gt;</c> and <c>&lt;|im_end|&gt;</c> are single special ids; everything else (the role line
/// with its newline, the content, the newline after each block) is encoded as plain text with
/// <c>parseSpecialTokens: false</c>, so message content written by a user, a tool or the environment can
/// never forge a turn marker. The role line and the content are encoded separately, so content tokens do
/// not depend on the role and a BPE merge never crosses from markup into content.
/// </para>
/// <para>
/// Earlier actions appear as assistant messages holding their text, as the context policy recorded them;
/// only the action being trained on is taken as the ids that were sampled (token-in/token-out). Each turn
/// is its own sequence, so a context that rewrites history (MEM1, strip-think) needs no append-only prefix.
/// </para>
/// </remarks>
public sealed class ChatTemplate
{
    /// <summary>The special token that opens a message.</summary>
    public const string TurnStartToken = "<|im_start|>";

    /// <summary>The special token that ends a message; the model ends its own turn with it.</summary>
    public const string TurnEndToken = "<|im_end|>";

    private readonly int[] _generationPrompt;
    private readonly int[] _separator;

    /// <summary>Creates the template for <paramref name="tokenizer"/>.</summary>
    /// <exception cref="ArgumentException">The tokenizer lacks the <c>&lt;|im_start|&gt;</c> or <c>&lt;|im_end|&gt;</c> special token.</exception>
    public ChatTemplate(IPolicyTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        Tokenizer = tokenizer;
        TurnStartId = Special(tokenizer, TurnStartToken);
        TurnEndId = Special(tokenizer, TurnEndToken);
        StopTokenIds = TurnEndId == tokenizer.EosId ? [TurnEndId] : [TurnEndId, tokenizer.EosId];
        _separator = tokenizer.Encode("\n", parseSpecialTokens: false);
        _generationPrompt = [TurnStartId, .. Header(ChatRole.Assistant, null)];
    }

    /// <summary>The tokenizer the template encodes with.</summary>
    public IPolicyTokenizer Tokenizer { get; }

    /// <summary>The id of <see cref="TurnStartToken"/>.</summary>
    public int TurnStartId { get; }

    /// <summary>The id of <see cref="TurnEndToken"/>: the end of a generated turn.</summary>
    public int TurnEndId { get; }

    /// <summary>
    /// The ids that end a generated turn: <see cref="TurnEndId"/>, and the tokenizer's end-of-sequence id
    /// when it differs (a model may stop with either).
    /// </summary>
    public IReadOnlyList<int> StopTokenIds { get; }

    /// <summary>
    /// The ids of <paramref name="messages"/> followed by the generation prompt
    /// (<c>&lt;|im_start|&gt;assistant\n</c>): what the policy reads before writing its turn.
    /// </summary>
    public int[] Render(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var ids = new List<int>(256);
        if (Tokenizer.BosId is { } bos)
        {
            ids.Add(bos);
        }

        foreach (var message in messages)
        {
            AppendMessage(ids, message ?? throw new ArgumentException("a message is null", nameof(messages)));
        }

        ids.AddRange(_generationPrompt);
        return [.. ids];
    }

    /// <summary>
    /// The ids one message takes inside a rendered context: its marker, role line, content, end marker and
    /// the newline after it. <see cref="Render"/> is the BOS id (if any), these for each message, then the
    /// generation prompt.
    /// </summary>
    public int[] RenderMessage(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var ids = new List<int>(message.Content.Length + 8);
        AppendMessage(ids, message);
        return [.. ids];
    }

    /// <summary>The number of ids <see cref="Render"/> adds after the messages (the generation prompt).</summary>
    public int GenerationPromptLength => _generationPrompt.Length;

    /// <summary>
    /// The text of a generated turn: the ids decoded without a final <see cref="StopTokenIds"/> entry, which
    /// is markup, not content (it stays in the ids a trainer scores, so the model learns to end its turn).
    /// Other stop tokens a caller asked for (an action's closing tag) are content and stay in the text.
    /// </summary>
    public string DecodeTurn(IReadOnlyList<int> generated)
    {
        ArgumentNullException.ThrowIfNull(generated);
        var count = generated.Count > 0 && StopTokenIds.Contains(generated[^1]) ? generated.Count - 1 : generated.Count;
        return Tokenizer.Decode(generated.Take(count));
    }

    private void AppendMessage(List<int> ids, ChatMessage message)
    {
        ids.Add(TurnStartId);
        ids.AddRange(Header(message.Role, message.Name));
        ids.AddRange(Tokenizer.Encode(message.Content, parseSpecialTokens: false));
        ids.Add(TurnEndId);
        ids.AddRange(_separator);
    }

    private int[] Header(ChatRole role, string? name)
    {
        var text = role.WireName();

        // Only tool messages carry a name (the tool's); other roles ignore it, as chat APIs do.
        if (role == ChatRole.Tool && !string.IsNullOrEmpty(name))
        {
            text += " " + name;
        }

        return Tokenizer.Encode(text + "\n", parseSpecialTokens: false);
    }

    private static int Special(IPolicyTokenizer tokenizer, string token) =>
        tokenizer.SpecialTokens.TryGetValue(token, out var id)
            ? id
            : throw new ArgumentException(
                $"the tokenizer has no special token {token}; the chat template marks turns with {TurnStartToken} and {TurnEndToken} (ChatML, as Qwen2 and the byte tokenizer have)",
                nameof(tokenizer));
}
