using System.Text;
using System.Text.Json;
using Gym.Core.Parsing;
using Gym.Learning.Model;
using Gym.Learning.Policy;
using Gym.Learning.Tokenization;

namespace Gym.PolicyServing;

/// <summary>One sampled token as the reply reports it.</summary>
/// <param name="Token">Its text (a special token as its marker, a lone byte of a multi-byte character as U+FFFD).</param>
/// <param name="LogProb">Its log-probability under the model at temperature 1.</param>
/// <param name="Bytes">Its UTF-8 bytes.</param>
public sealed record TokenLogProb(string Token, float LogProb, byte[] Bytes);

/// <summary>
/// A finished completion in OpenAI's terms: the text (stop sequence and end-of-turn marker left out), the
/// tokens it took with their log-probabilities, why it ended, and the token counts.
/// </summary>
/// <param name="Text">The assistant message's content (with tool calls, the text before the first).</param>
/// <param name="Tokens">The sampled tokens up to where the completion ended: the end-of-turn marker or the token that completed a stop sequence included.</param>
/// <param name="FinishReason"><c>stop</c> (end of turn or a stop sequence), <c>length</c> (the budget or the model's context) or <c>tool_calls</c>.</param>
/// <param name="PromptTokens">Tokens in the rendered prompt.</param>
/// <param name="ToolCalls">The calls read from the text's <c>&lt;tool_call&gt;</c> blocks, when the request asked for them; null or empty for none.</param>
public sealed record ChatCompletion(string Text, IReadOnlyList<TokenLogProb> Tokens, string FinishReason, int PromptTokens, IReadOnlyList<ChatToolCall>? ToolCalls = null)
{
    /// <summary>
    /// Turns a generated sequence into the completion the client sees: decodes it with the chat template,
    /// and when a stop sequence appears, cuts the text before it and the tokens after the one that completed it.
    /// With <paramref name="toolCallTurn"/>, <c>&lt;tool_call&gt;</c> blocks in the text become <see cref="ToolCalls"/>
    /// (ids <c>call_{turn}_{index}</c>) and the finish reason <c>tool_calls</c>, as vLLM's hermes parser returns them.
    /// </summary>
    public static ChatCompletion From(GeneratedSequence sequence, ChatTemplate template, IReadOnlyList<string> stops, int promptTokens, int? toolCallTurn = null)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(stops);
        var ids = sequence.TokenIds;
        var count = ids.Count;
        var finish = sequence.FinishReason == Learning.Model.FinishReason.Stop ? "stop" : "length";
        var text = template.DecodeTurn(ids);
        if (FirstStop(text, stops) is { } stop)
        {
            // The smallest prefix of tokens whose text holds the whole stop sequence.
            var needed = stop.Index + stop.Length;
            count = 1;
            while (count < ids.Count && template.Tokenizer.Decode(ids.Take(count)).Length < needed)
            {
                count++;
            }

            text = text[..stop.Index];
            finish = "stop";
        }

        var tokens = new TokenLogProb[count];
        for (var i = 0; i < count; i++)
        {
            tokens[i] = Describe(template.Tokenizer, ids[i], sequence.LogProbs[i]);
        }

        if (toolCallTurn is { } turn && HermesToolCalls.Extract(text, turn) is { } extracted)
        {
            return new ChatCompletion(extracted.Content, tokens, "tool_calls", promptTokens, extracted.Calls);
        }

        return new ChatCompletion(text, tokens, finish, promptTokens);
    }

    /// <summary>Writes the <c>chat.completion</c> object.</summary>
    /// <param name="id">The completion id, e.g. <c>chatcmpl-7</c>.</param>
    /// <param name="model">The model id.</param>
    /// <param name="created">Unix seconds.</param>
    /// <param name="withLogProbs">Whether the client asked for log-probabilities.</param>
    public byte[] ToJson(string id, string model, long created, bool withLogProbs)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteString("object", "chat.completion");
            writer.WriteNumber("created", created);
            writer.WriteString("model", model);
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WritePropertyName("message");
            new StructuredMessage(Core.ChatRole.Assistant, Text, ToolCalls: ToolCalls).WriteTo(writer);
            if (withLogProbs)
            {
                writer.WriteStartObject("logprobs");
                writer.WriteStartArray("content");
                foreach (var token in Tokens)
                {
                    writer.WriteStartObject();
                    writer.WriteString("token", token.Token);
                    writer.WriteNumber("logprob", token.LogProb);
                    writer.WriteStartArray("bytes");
                    foreach (var b in token.Bytes)
                    {
                        writer.WriteNumberValue(b);
                    }

                    writer.WriteEndArray();
                    writer.WriteStartArray("top_logprobs");
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("logprobs");
            }

            writer.WriteString("finish_reason", FinishReason);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteStartObject("usage");
            writer.WriteNumber("prompt_tokens", PromptTokens);
            writer.WriteNumber("completion_tokens", Tokens.Count);
            writer.WriteNumber("total_tokens", PromptTokens + Tokens.Count);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static (int Index, int Length)? FirstStop(string text, IReadOnlyList<string> stops)
    {
        (int Index, int Length)? first = null;
        foreach (var stop in stops)
        {
            var index = text.IndexOf(stop, StringComparison.Ordinal);
            if (index >= 0 && (first is null || index < first.Value.Index))
            {
                first = (index, stop.Length);
            }
        }

        return first;
    }

    private static TokenLogProb Describe(IPolicyTokenizer tokenizer, int id, float logProb)
    {
        var text = tokenizer.Decode([id]);

        // A byte-level token is exactly one byte, which may be part of a multi-byte character.
        var bytes = tokenizer is ByteTokenizer && id < ByteTokenizer.ByteCount ? [(byte)id] : Encoding.UTF8.GetBytes(text);
        return new TokenLogProb(text, logProb, bytes);
    }
}
