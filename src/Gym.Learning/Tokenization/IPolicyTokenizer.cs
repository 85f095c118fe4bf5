namespace Gym.Learning.Tokenization;

/// <summary>
/// Turns text into the token ids a policy model reads and back. Training uses the ids that were sampled,
/// never a re-encoding of their decoded text (token-in/token-out): decode is for display and parsing only.
/// </summary>
public interface IPolicyTokenizer
{
    /// <summary>Every id is below this; a model's vocabulary must be at least this large.</summary>
    int VocabSize { get; }

    /// <summary>The beginning-of-sequence id, or null when the tokenizer has none.</summary>
    int? BosId { get; }

    /// <summary>The end-of-sequence id: generation stops on it.</summary>
    int EosId { get; }

    /// <summary>The id used to fill padding positions (masked out, so never seen by the model).</summary>
    int PadId { get; }

    /// <summary>Special tokens by their text, e.g. <c>&lt;|im_end|&gt;</c>; each encodes to a single id.</summary>
    IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>
    /// The ids of <paramref name="text"/>; no beginning- or end-of-sequence token is added.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="parseSpecialTokens">
    /// True (for chat-template markup): special-token strings in the text become their single ids. False
    /// (for message content from users, tools or environments): they are encoded as ordinary text, so
    /// an observation cannot forge a turn marker.
    /// </param>
    int[] Encode(string text, bool parseSpecialTokens = true);

    /// <summary>The text of <paramref name="ids"/>, special tokens written out as their text.</summary>
    string Decode(IEnumerable<int> ids);
}
