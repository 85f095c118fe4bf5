namespace Gym.Environments.SearchQa.Data;

/// <summary>The knobs of a synthetic knowledge base.</summary>
/// <param name="Seed">Every name, fact, sentence and document position derives from it.</param>
/// <param name="Documents">Documents in the corpus, distractors included: <see cref="MinDocuments"/> to <see cref="MaxDocuments"/>.</param>
/// <param name="DistractorShare">
/// Share of the documents that are distractors (0 to <see cref="MaxDistractorShare"/>): entities named after
/// real ones ("Mara Venton" beside "Mara Vent", "New Quillton" in another country) that no question is about.
/// </param>
public sealed record KnowledgeBaseOptions(long Seed, int Documents, double DistractorShare = 0.2)
{
    /// <summary>The smallest corpus: enough entities of every kind for all question templates.</summary>
    public const int MinDocuments = 1_000;

    /// <summary>The largest corpus; six-digit document ids cover it.</summary>
    public const int MaxDocuments = 1_000_000;

    /// <summary>
    /// The largest distractor share. Each real entity lends its name to at most one distractor, which keeps
    /// a hop query's target in the top results; above one half there are not enough real entities to go round.
    /// </summary>
    public const double MaxDistractorShare = 0.5;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a knob is out of range.</summary>
    public void Validate()
    {
        if (Documents is < MinDocuments or > MaxDocuments)
        {
            throw new ArgumentOutOfRangeException(nameof(Documents), Documents, $"documents must be {MinDocuments}..{MaxDocuments}");
        }

        if (double.IsNaN(DistractorShare) || DistractorShare is < 0 or > MaxDistractorShare)
        {
            throw new ArgumentOutOfRangeException(nameof(DistractorShare), DistractorShare, $"distractor share must be 0..{MaxDistractorShare}");
        }
    }
}

/// <summary>How many entities of each kind a knowledge base holds.</summary>
/// <param name="Countries">Countries; they are named in city documents but have no document of their own.</param>
/// <param name="Cities">City documents, distractors included.</param>
/// <param name="Companies">Company documents, distractors included.</param>
/// <param name="People">Person documents, distractors included.</param>
/// <param name="Products">Product documents, distractors included.</param>
/// <param name="Distractors">Documents about look-alike entities that no question is about.</param>
public sealed record KnowledgeBaseStatistics(int Countries, int Cities, int Companies, int People, int Products, int Distractors);
