using System.Text;
using System.Text.Json.Nodes;
using Gym.Core;
using Gym.Learning.Tokenization;

namespace Gym.Learning.Policy;

/// <summary>
/// Turns chat messages into the token ids a <see cref="Model.PolicyModel"/> reads: the single place where
/// both rollout (<see cref="TorchPolicy"/>) and training (<see cref="Training.TrainingSampleBuilder"/>) build
/// a context, so the two always see the same ids for the same messages. A pure function of the messages.
/// </summary>
/// <remarks>
/// <para>
/// The text follows a <see cref="ChatFormat"/>: Gym's own ChatML by default (the byte tokenizer's), or a
/// model's real template (<c>qwen2</c>, <c>qwen2.5</c>, <c>qwen3</c>, <c>llama3</c>), reproduced exactly. Gym's
/// ChatML, with the tokenizer's special tokens as role markers:
/// </para>
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
/// The template's markers are single special ids; the text between two markers (template text and message
/// content together) is encoded as one piece with <c>parseSpecialTokens: false</c>, exactly as Hugging Face
/// encodes a rendered template, except that a special-token string inside message content stays plain text:
/// content written by a user, a tool or the environment can never forge a turn marker. Non-special added
/// tokens (Qwen's <c>&lt;tool_call&gt;</c>, <c>&lt;think&gt;</c>) are single ids wherever they appear, as the model
/// generates them.
/// </para>
/// <para>
/// Earlier actions appear as assistant messages holding their text, as the context policy recorded them;
/// only the action being trained on is taken as the ids that were sampled (token-in/token-out). Each turn
/// is its own sequence, so a context that rewrites history (MEM1, strip-think) needs no append-only prefix.
/// </para>
/// </remarks>
public sealed class ChatTemplate
{
    /// <summary>Gym ChatML's special token that opens a message.</summary>
    public const string TurnStartToken = "<|im_start|>";

    /// <summary>Gym ChatML's special token that ends a message.</summary>
    public const string TurnEndToken = "<|im_end|>";

    private readonly string? _bosToken;
    private readonly int[] _generationPrompt;

    /// <summary>Creates the template for <paramref name="tokenizer"/> in <paramref name="format"/> (default: Gym's ChatML).</summary>
    /// <exception cref="ArgumentException">The tokenizer lacks one of the format's marker tokens.</exception>
    public ChatTemplate(IPolicyTokenizer tokenizer, ChatFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        Tokenizer = tokenizer;
        Format = format ?? ChatFormats.ChatML;
        foreach (var marker in Format.MarkerTokens)
        {
            _ = Special(marker);
        }

        TurnStartId = Special(Format.TurnStartToken);
        TurnEndId = Special(Format.TurnEndToken);
        StopTokenIds = TurnEndId == tokenizer.EosId ? [TurnEndId] : [TurnEndId, tokenizer.EosId];
        _bosToken = Format.WritesBos && tokenizer.BosId is { } bos ? TokenText(bos) : null;
        var writer = new ChatWriter(_bosToken);
        Format.WriteGenerationPrompt(writer);
        _generationPrompt = Encode(writer).Ids;
    }

    /// <summary>The tokenizer the template encodes with.</summary>
    public IPolicyTokenizer Tokenizer { get; }

    /// <summary>The chat template's format.</summary>
    public ChatFormat Format { get; }

    /// <summary>The id of the format's turn-start token (<c>&lt;|im_start|&gt;</c>, <c>&lt;|start_header_id|&gt;</c>).</summary>
    public int TurnStartId { get; }

    /// <summary>The id of the format's turn-end token (<c>&lt;|im_end|&gt;</c>, <c>&lt;|eot_id|&gt;</c>): the end of a generated turn.</summary>
    public int TurnEndId { get; }

    /// <summary>
    /// The ids that end a generated turn: <see cref="TurnEndId"/>, and the tokenizer's end-of-sequence id
    /// when it differs (a model may stop with either).
    /// </summary>
    public IReadOnlyList<int> StopTokenIds { get; }

    /// <summary>
    /// The ids of <paramref name="messages"/> followed by the generation prompt: what the policy reads
    /// before writing its turn.
    /// </summary>
    public int[] Render(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return RenderPrompt([.. messages.Select(m => TemplateMessage.From(m ?? throw new ArgumentException("a message is null", nameof(messages))))]).Ids;
    }

    /// <summary>
    /// The text and ids of a conversation as the format's template renders it, with tool schemas
    /// (chat-completion <c>tools</c> entries) and the generation prompt when asked.
    /// </summary>
    public RenderedPrompt RenderPrompt(IReadOnlyList<TemplateMessage> messages, IReadOnlyList<JsonNode>? tools = null, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var writer = new ChatWriter(_bosToken);
        Format.Write(writer, messages, tools, addGenerationPrompt);
        return Encode(writer);
    }

    /// <summary>
    /// The ids one message takes inside a rendered context: its markers, role header, content and what
    /// the format writes around it (a tool result's wrapper). For Gym's ChatML, <see cref="Render"/> is the
    /// BOS id (if any), these for each message, then the generation prompt.
    /// </summary>
    public int[] RenderMessage(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var writer = new ChatWriter(null);
        Format.WriteBlock(writer, TemplateMessage.From(message));
        return Encode(writer).Ids;
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

    private RenderedPrompt Encode(ChatWriter writer)
    {
        var text = new StringBuilder();
        var ids = new List<int>(256);
        var run = new StringBuilder();
        void Flush()
        {
            if (run.Length > 0)
            {
                ids.AddRange(Tokenizer.Encode(run.ToString(), parseSpecialTokens: false));
                run.Clear();
            }
        }

        foreach (var (piece, marker) in writer.Pieces)
        {
            text.Append(piece);
            if (marker)
            {
                Flush();
                ids.Add(piece == _bosToken && Tokenizer.BosId is { } bos ? bos : Special(piece));
            }
            else
            {
                run.Append(piece);
            }
        }

        Flush();
        return new RenderedPrompt(text.ToString(), [.. ids]);
    }

    private string TokenText(int id) =>
        Tokenizer.SpecialTokens.FirstOrDefault(p => p.Value == id).Key ?? Tokenizer.Decode([id]);

    private int Special(string token) =>
        Tokenizer.SpecialTokens.TryGetValue(token, out var id)
            ? id
            : throw new ArgumentException(
                $"the tokenizer has no special token {token}; the {Format.Name} chat template marks turns with {string.Join(" and ", Format.MarkerTokens)} (choose the template that matches the tokenizer)");
}

/// <summary>A rendered chat prompt: the template's text and the ids the policy reads.</summary>
/// <param name="Text">The text, markers written out.</param>
/// <param name="Ids">Its token ids.</param>
public sealed record RenderedPrompt(string Text, int[] Ids);
