using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gym.PolicyServing;

/// <summary>
/// A request the server refuses, answered in OpenAI's error shape:
/// <c>{"error":{"message","type","param","code"}}</c> with the HTTP status.
/// </summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Message">What is wrong, for the client to read.</param>
/// <param name="Type">OpenAI's error type: <c>invalid_request_error</c>, <c>not_found_error</c>, <c>server_error</c>.</param>
/// <param name="Param">The request field at fault, if one is.</param>
/// <param name="Code">A machine-readable code, if any (<c>context_length_exceeded</c>, <c>model_not_found</c>).</param>
public sealed record OpenAiError(int Status, string Message, string Type = "invalid_request_error", string? Param = null, string? Code = null)
{
    /// <summary>A 400 about <paramref name="param"/>.</summary>
    public static OpenAiError Invalid(string message, string? param = null, string? code = null) => new(StatusCodes.Status400BadRequest, message, Param: param, Code: code);

    /// <summary>Writes the error as the response.</summary>
    public async Task WriteAsync(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = Status;
        response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", Message);
            writer.WriteString("type", Type);
            WriteNullable(writer, "param", Param);
            WriteNullable(writer, "code", Code);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        await response.Body.WriteAsync(buffer.ToArray()).ConfigureAwait(false);
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}

/// <summary>Thrown while reading a request to refuse it with <see cref="Error"/>.</summary>
/// <param name="error">The error to answer with.</param>
public sealed class OpenAiErrorException(OpenAiError error) : Exception(error?.Message)
{
    /// <summary>The error to answer with.</summary>
    public OpenAiError Error { get; } = error ?? throw new ArgumentNullException(nameof(error));
}
