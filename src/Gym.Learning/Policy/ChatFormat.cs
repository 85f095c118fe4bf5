using System.Text.Json.Nodes;
using Gym.Core;

namespace Gym.Learning.Policy;

/// <summary>
/// One named chat template: how a list of messages (with optional tool schemas) becomes the text a model
/// reads, with its turn markers as special tokens. Each built-in format reproduces its model's real Jinja
/// template exactly (the template tests compare with renders of the real templates by an independent
/// Jinja engine); <see cref="ChatFormats"/> lists them and recognises their Jinja text.
/// </summary>
public abstract class ChatFormat
{
    private protected ChatFormat()
    {
    }

    /// <summary>The format's name: <c>chatml</c>, <c>qwen2</c>, <c>qwen2.5</c>, <c>qwen3</c> or <c>llama3</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The special token that opens a message.</summary>
    public abstract string TurnStartToken { get; }

    /// <summary>The special token that ends a message; the model ends its own turn with it.</summary>
    public abstract string TurnEndToken { get; }

    /// <summary>Every special token the format writes as markup (the tokenizer must have each).</summary>
    public virtual IReadOnlyList<string> MarkerTokens => [TurnStartToken, TurnEndToken];

    /// <summary>
    /// True when the format writes the tokenizer's beginning-of-sequence token at the start of the text
    /// (as <c>chatml</c> and <c>llama3</c> do when the tokenizer has one).
    /// </summary>
    public virtual bool WritesBos => true;

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Writes a whole conversation, as the template renders it.</summary>
    internal abstract void Write(ChatWriter writer, IReadOnlyList<TemplateMessage> messages, IReadOnlyList<JsonNode>? tools, bool addGenerationPrompt);

    /// <summary>
    /// Writes the markup and text one message adds to a conversation, as if it stood alone between other
    /// kinds of messages (a tool result in its own wrapper): what a context-size count charges it.
    /// </summary>
    internal abstract void WriteBlock(ChatWriter writer, TemplateMessage message);

    /// <summary>Writes the generation prompt: the header of the assistant turn the model writes next.</summary>
    internal abstract void WriteGenerationPrompt(ChatWriter writer);
}

/// <summary>
/// Collects what a <see cref="ChatFormat"/> writes: special-token markers (one id each) and text between
/// them. Text written by the template and message content are both plain text; only markers are ids.
/// </summary>
internal sealed class ChatWriter(string? bosToken)
{
    private readonly List<(string Text, bool Marker)> _pieces = [];

    /// <summary>The tokenizer's beginning-of-sequence token text, or null when it has none.</summary>
    public string? BosToken { get; } = bosToken;

    public IReadOnlyList<(string Text, bool Marker)> Pieces => _pieces;

    public void Marker(string token) => _pieces.Add((token, true));

    public void Text(string text)
    {
        if (text.Length > 0)
        {
            _pieces.Add((text, false));
        }
    }

    public void Bos()
    {
        if (BosToken is not null)
        {
            Marker(BosToken);
        }
    }
}

/// <summary>The ChatML family's shared pieces: <c>&lt;|im_start|&gt;ROLE\n…&lt;|im_end|&gt;\n</c>.</summary>
public abstract class ChatMLFamilyFormat : ChatFormat
{
    private protected ChatMLFamilyFormat()
    {
    }

    /// <inheritdoc />
    public sealed override string TurnStartToken => "<|im_start|>";

    /// <inheritdoc />
    public sealed override string TurnEndToken => "<|im_end|>";

    /// <inheritdoc />
    public override bool WritesBos => false;

    internal override void WriteGenerationPrompt(ChatWriter writer)
    {
        writer.Marker(TurnStartToken);
        writer.Text("assistant\n");
    }

    private protected void Block(ChatWriter writer, string header, string content)
    {
        writer.Marker(TurnStartToken);
        writer.Text(header + "\n" + content);
        writer.Marker(TurnEndToken);
        writer.Text("\n");
    }
}

/// <summary>
/// Gym's own ChatML (the built-in byte tokenizer's format): every message is a block, a tool message names
/// its tool after a space (<c>&lt;|im_start|&gt;tool search</c>), the tokenizer's BOS token (if any) starts
/// the text. Tool schemas and structured tool calls are not rendered.
/// </summary>
public sealed class GymChatMLFormat : ChatMLFamilyFormat
{
    internal GymChatMLFormat()
    {
    }

    /// <inheritdoc />
    public override string Name => "chatml";

    /// <inheritdoc />
    public override bool WritesBos => true;

    internal override void Write(ChatWriter writer, IReadOnlyList<TemplateMessage> messages, IReadOnlyList<JsonNode>? tools, bool addGenerationPrompt)
    {
        writer.Bos();
        foreach (var message in messages)
        {
            WriteBlock(writer, message);
        }

        if (addGenerationPrompt)
        {
            WriteGenerationPrompt(writer);
        }
    }

    internal override void WriteBlock(ChatWriter writer, TemplateMessage message)
    {
        var header = message.Role.WireName();

        // Only tool messages carry a name (the tool's); other roles ignore it, as chat APIs do.
        if (message.Role == ChatRole.Tool && !string.IsNullOrEmpty(message.Name))
        {
            header += " " + message.Name;
        }

        Block(writer, header, message.Content);
    }
}

/// <summary>
/// Qwen2-Instruct's (and Qwen1.5-Chat's) template: a default system message ("You are a helpful
/// assistant.") when the conversation has none, then every message as <c>&lt;|im_start|&gt;ROLE\n…</c>; a tool
/// result is <c>&lt;|im_start|&gt;tool\n…</c> without a name. Tool schemas and tool calls are not rendered.
/// </summary>
public sealed class Qwen2Format : ChatMLFamilyFormat
{
    internal Qwen2Format()
    {
    }

    /// <summary>The system message the template inserts when the first message is not a system message.</summary>
    public const string DefaultSystem = "You are a helpful assistant.";

    /// <inheritdoc />
    public override string Name => "qwen2";

    internal override void Write(ChatWriter writer, IReadOnlyList<TemplateMessage> messages, IReadOnlyList<JsonNode>? tools, bool addGenerationPrompt)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            if (i == 0 && messages[0].Role != ChatRole.System)
            {
                Block(writer, "system", DefaultSystem);
            }

            WriteBlock(writer, messages[i]);
        }

        if (addGenerationPrompt)
        {
            WriteGenerationPrompt(writer);
        }
    }

    internal override void WriteBlock(ChatWriter writer, TemplateMessage message) => Block(writer, message.Role.WireName(), message.Content);
}

/// <summary>
/// The shared rules of Qwen2.5's and Qwen3's templates: a <c># Tools</c> system section listing the tool
/// schemas, tool calls as <c>&lt;tool_call&gt;\n{"name": …, "arguments": …}\n&lt;/tool_call&gt;</c>, and tool
/// results inside a user turn as <c>&lt;tool_response&gt;\n…\n&lt;/tool_response&gt;</c>, consecutive results
/// merged into one turn.
/// </summary>
public abstract class QwenToolsFormat : ChatMLFamilyFormat
{
    private protected const string ToolsHeader =
        "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>";

    private protected const string ToolsFooter =
        "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>";

    private protected QwenToolsFormat()
    {
    }

    private protected static string ToolList(IReadOnlyList<JsonNode> tools) =>
        ToolsHeader + string.Concat(tools.Select(tool => "\n" + PythonJson.Dumps(tool))) + ToolsFooter;

    private protected static string ToolCallText(ToolCall call, bool rawStringArguments)
    {
        var arguments = rawStringArguments && call.Arguments is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : PythonJson.Dumps(call.Arguments);
        return "<tool_call>\n{\"name\": \"" + call.Name + "\", \"arguments\": " + arguments + "}\n</tool_call>";
    }

    private protected void ToolResult(ChatWriter writer, IReadOnlyList<TemplateMessage> messages, int i)
    {
        if (i == 0 || messages[i - 1].Role != ChatRole.Tool)
        {
            writer.Marker(TurnStartToken);
            writer.Text("user");
        }

        writer.Text("\n<tool_response>\n" + messages[i].Content + "\n</tool_response>");
        if (i == messages.Count - 1 || messages[i + 1].Role != ChatRole.Tool)
        {
            writer.Marker(TurnEndToken);
            writer.Text("\n");
        }
    }
}

/// <summary>
/// Qwen2.5-Instruct's template: a default system message ("You are Qwen, created by Alibaba Cloud. You are
/// a helpful assistant.") when the conversation has none, the <c># Tools</c> section appended to the system
/// message when tools are given, tool calls and merged tool results as <see cref="QwenToolsFormat"/> says.
/// </summary>
public sealed class Qwen25Format : QwenToolsFormat
{
    internal Qwen25Format()
    {
    }

    /// <summary>The system message the template inserts when the first message is not a system message.</summary>
    public const string DefaultSystem = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

    /// <inheritdoc />
    public override string Name => "qwen2.5";

    internal override void Write(ChatWriter writer, IReadOnlyList<TemplateMessage> messages, IReadOnlyList<JsonNode>? tools, bool addGenerationPrompt)
    {
        var system = messages.Count > 0 && messages[0].Role == ChatRole.System ? messages[0].Content : DefaultSystem;
        Block(writer, "system", tools is { Count: > 0 } ? system + "\n\n" + ToolList(tools) : system);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            switch (message.Role)
            {
                case ChatRole.System when i == 0:
                    break;
                case ChatRole.Tool:
                    ToolResult(writer, messages, i);
                    break;
                default:
                    WriteBlock(writer, message);
                    break;
            }
        }

        if (addGenerationPrompt)
        {
            WriteGenerationPrompt(writer);
        }
    }

    internal override void WriteBlock(ChatWriter writer, TemplateMessage message)
    {
        switch (message.Role)
        {
            case ChatRole.Assistant when message.HasToolCalls:
                writer.Marker(TurnStartToken);
                writer.Text("assistant" + (message.Content.Length > 0 ? "\n" + message.Content : ""));
                foreach (var call in message.ToolCalls!)
                {
                    writer.Text("\n" + ToolCallText(call, rawStringArguments: false));
                }

                writer.Marker(TurnEndToken);
                writer.Text("\n");
                break;
            case ChatRole.Tool:
                Block(writer, "user", "\n<tool_response>\n" + message.Content + "\n</tool_response>");
                break;
            default:
                Block(writer, message.Role.WireName(), message.Content);
                break;
        }
    }
}

/// <summary>
/// Qwen3's template: no default system message; the <c># Tools</c> section follows the system message's
/// text; an assistant message's <c>&lt;think&gt;…&lt;/think&gt;</c> reasoning is kept only for turns after the
/// last real user query (rendered as <c>&lt;think&gt;\n…\n&lt;/think&gt;\n\n</c>) and dropped before it; tool
/// calls and merged tool results as <see cref="QwenToolsFormat"/> says.
/// </summary>
public sealed class Qwen3Format : QwenToolsFormat
{
    internal Qwen3Format(bool? enableThinking = null) => EnableThinking = enableThinking;

    /// <summary>
    /// The template's <c>enable_thinking</c>: false adds an empty <c>&lt;think&gt;\n\n&lt;/think&gt;\n\n</c> to the
    /// generation prompt; null (undefined) and true add nothing.
    /// </summary>
    public bool? EnableThinking { get; }

    /// <inheritdoc />
    public override string Name => "qwen3";

    internal override void Write(ChatWriter writer, IReadOnlyList<TemplateMessage> messages, IReadOnlyList<JsonNode>? tools, bool addGenerationPrompt)
    {
        var firstIsSystem = messages.Count > 0 && messages[0].Role == ChatRole.System;
        if (tools is { Count: > 0 })
        {
            Block(writer, "system", (firstIsSystem ? messages[0].Content + "\n\n" : "") + ToolList(tools));
        }
        else if (firstIsSystem)
        {
            Block(writer, "system", messages[0].Content);
        }

        var lastQuery = LastQueryIndex(messages);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            switch (message.Role)
            {
                case ChatRole.System when i == 0:
                    break;
                case ChatRole.User or ChatRole.System:
                    Block(writer, message.Role.WireName(), message.Content);
                    break;
                case ChatRole.Assistant:
                    Assistant(writer, message, keepThinking: i > lastQuery, last: i == messages.Count - 1);
                    break;
                case ChatRole.Tool:
                    ToolResult(writer, messages, i);
                    break;
            }
        }

        if (addGenerationPrompt)
        {
            WriteGenerationPrompt(writer);
        }
    }

    internal override void WriteGenerationPrompt(ChatWriter writer)
    {
        base.WriteGenerationPrompt(writer);
        if (EnableThinking == false)
        {
            writer.Text("<think>\n\n</think>\n\n");
        }
    }

    internal override void WriteBlock(ChatWriter writer, TemplateMessage message)
    {
        switch (message.Role)
        {
            case ChatRole.Assistant:
                Assistant(writer, message, keepThinking: false, last: false);
                break;
            case ChatRole.Tool:
                Block(writer, "user", "\n<tool_response>\n" + message.Content + "\n</tool_response>");
                break;
            default:
                Block(writer, message.Role.WireName(), message.Content);
                break;
        }
    }

    // The index of the last user message that is a real query, not a tool response passed as a user turn.
    private static int LastQueryIndex(IReadOnlyList<TemplateMessage> messages)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            var content = messages[i].Content;
            if (messages[i].Role == ChatRole.User
                && !(content.StartsWith("<tool_response>", StringComparison.Ordinal) && content.EndsWith("</tool_response>", StringComparison.Ordinal)))
            {
                return i;
            }
        }

        return messages.Count - 1;
    }

    private void Assistant(ChatWriter writer, TemplateMessage message, bool keepThinking, bool last)
    {
        var content = message.Content;
        var reasoning = "";
        if (content.Contains("</think>", StringComparison.Ordinal))
        {
            var parts = content.Split("</think>");
            content = parts[^1].TrimStart('\n');
            reasoning = parts[0].TrimEnd('\n').Split("<think>")[^1].TrimStart('\n');
        }

        writer.Marker(TurnStartToken);
        writer.Text(keepThinking && (last || reasoning.Length > 0)
            ? "assistant\n<think>\n" + reasoning.Trim('\n') + "\n</think>\n\n" + content.TrimStart('\n')
            : "assistant\n" + content);
        if (message.HasToolCalls)
        {
            for (var j = 0; j < message.ToolCalls!.Count; j++)
            {
                if (j > 0 || content.Length > 0)
                {
                    writer.Text("\n");
                }

                writer.Text(ToolCallText(message.ToolCalls[j], rawStringArguments: true));
            }
        }

        writer.Marker(TurnEndToken);
        writer.Text("\n");
    }
}

/// <summary>
/// Meta-Llama-3-Instruct's template: the BOS token, then each message as
/// <c>&lt;|start_header_id|&gt;ROLE&lt;|end_header_id|&gt;\n\nCONTENT&lt;|eot_id|&gt;</c> with its content trimmed; the
/// template always ends with the assistant header (whatever add_generation_prompt says), no default
/// system message, tool schemas and tool calls not rendered.
/// </summary>
public sealed class Llama3Format : ChatFormat
{
    internal Llama3Format()
    {
    }

    /// <summary>The special token that closes a message's role header.</summary>
    public const string HeaderEndToken = "<|end_header_id|>";

    /// <inheritdoc />
    public override string Name => "llama3";

    /// <inheritdoc />
    public override string TurnStartToken => "<|start_header_id|>";

    /// <inheritdoc />
    public override string TurnEndToken => "<|eot_id|>";

    /// <inheritdoc />
    public override IReadOnlyList<string> MarkerTokens => [TurnStartToken, HeaderEndToken, TurnEndToken];

    internal override void Write(ChatWriter writer, IReadOnlyList<TemplateMessage> messages, IReadOnlyList<JsonNode>? tools, bool addGenerationPrompt)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            if (i == 0)
            {
                writer.Bos();
            }

            WriteBlock(writer, messages[i]);
        }

        WriteGenerationPrompt(writer);
    }

    internal override void WriteBlock(ChatWriter writer, TemplateMessage message)
    {
        Header(writer, message.Role.WireName());
        writer.Text(message.Content.Trim());
        writer.Marker(TurnEndToken);
    }

    internal override void WriteGenerationPrompt(ChatWriter writer) => Header(writer, "assistant");

    private void Header(ChatWriter writer, string role)
    {
        writer.Marker(TurnStartToken);
        writer.Text(role);
        writer.Marker(HeaderEndToken);
        writer.Text("\n\n");
    }
}
