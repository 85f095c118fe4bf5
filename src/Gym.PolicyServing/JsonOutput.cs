using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gym.PolicyServing;

/// <summary>How the server writes JSON.</summary>
internal static class JsonOutput
{
    /// <summary>
    /// Quotes and apostrophes in messages and generated text stay readable (<c>'</c>, not <c>\u0027</c>):
    /// the replies are JSON API bodies, never embedded in HTML.
    /// </summary>
    public static JsonWriterOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
