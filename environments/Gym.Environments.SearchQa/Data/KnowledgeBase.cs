using System.Collections;
using System.Globalization;
using Gym.Core.Seeding;
using Gym.Environments.SearchQa.Corpus;

namespace Gym.Environments.SearchQa.Data;

/// <summary>
/// A generated knowledge base: its encyclopedia-style documents and questions over them with gold answers,
/// gold supporting titles and one search query per hop. Documents are rendered on access from compact
/// entity rows (the same text every time), so even a million-document base stays small in memory.
/// Immutable and safe to share between threads. Made by <see cref="KnowledgeBaseGenerator.Generate"/>.
/// </summary>
public sealed partial class KnowledgeBase
{
    private readonly KnowledgeBaseTables _tables;
    private readonly int _companyOffset;
    private readonly int _personOffset;
    private readonly int _productOffset;
    private readonly int[] _positions;

    internal KnowledgeBase(KnowledgeBaseOptions options, KnowledgeBaseTables tables)
    {
        Options = options;
        _tables = tables;
        _companyOffset = tables.Cities.Length;
        _personOffset = _companyOffset + tables.Companies.Length;
        _productOffset = _personOffset + tables.People.Length;
        _positions = new int[tables.Order.Length];
        for (var position = 0; position < tables.Order.Length; position++)
        {
            _positions[tables.Order[position]] = position;
        }

        Documents = new DocumentList(this);
        var distractors = tables.Order.Length - tables.RealCities - tables.RealCompanies - tables.RealPeople - tables.RealProducts;
        Statistics = new KnowledgeBaseStatistics(tables.Countries.Length, tables.Cities.Length, tables.Companies.Length, tables.People.Length, tables.Products.Length, distractors);
    }

    /// <summary>The options it was generated from.</summary>
    public KnowledgeBaseOptions Options { get; }

    /// <summary>Entity counts by kind.</summary>
    public KnowledgeBaseStatistics Statistics { get; }

    /// <summary>
    /// Every document in corpus order; document <c>i</c> has id <c>kb-</c> and <c>i</c> in six digits. Each access
    /// renders the document afresh (equal by value every time); enumerate once when indexing.
    /// </summary>
    public IReadOnlyList<CorpusDocument> Documents { get; }

    /// <summary>The documents in corpus order, rendered one at a time (for streaming into an index).</summary>
    public IEnumerable<CorpusDocument> EnumerateDocuments()
    {
        for (var i = 0; i < _tables.Order.Length; i++)
        {
            yield return Render(i);
        }
    }

    /// <summary>The document titled <paramref name="title"/>, or null when there is none (titles are unique).</summary>
    public CorpusDocument? FindByTitle(string title)
    {
        ArgumentNullException.ThrowIfNull(title);
        return _tables.Names.TryGetValue(title, out var entity) && entity >= 0 ? Render(_positions[entity]) : null;
    }

    /// <summary>Whether the document at <paramref name="position"/> is a distractor (a look-alike no question is about).</summary>
    public bool IsDistractor(int position) => DistractorOf(position) is not null;

    /// <summary>For a distractor, the title of the real document whose name it imitates; null for a real document.</summary>
    public string? DistractorOf(int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(position, _tables.Order.Length);
        var (kind, index) = Locate(_tables.Order[position]);
        return kind switch
        {
            EntityKind.City => _tables.Cities[index].Source is >= 0 and var s ? _tables.Cities[s].Name : null,
            EntityKind.Company => _tables.Companies[index].Source is >= 0 and var s ? _tables.Companies[s].Name : null,
            EntityKind.Person => _tables.People[index].Source is >= 0 and var s ? _tables.People[s].Name : null,
            _ => _tables.Products[index].Source is >= 0 and var s ? _tables.Products[s].Name : null,
        };
    }

    private (EntityKind Kind, int Index) Locate(int entity) => entity switch
    {
        _ when entity >= _productOffset => (EntityKind.Product, entity - _productOffset),
        _ when entity >= _personOffset => (EntityKind.Person, entity - _personOffset),
        _ when entity >= _companyOffset => (EntityKind.Company, entity - _companyOffset),
        _ => (EntityKind.City, entity),
    };

    private static string DocumentId(int position) => "kb-" + position.ToString("D6", CultureInfo.InvariantCulture);

    private CorpusDocument Render(int position)
    {
        var entity = _tables.Order[position];
        // One stream per entity: a document reads the same whichever order documents are rendered in.
        var rng = new SeededRandom(SeededRandom.Derive(Options.Seed, "searchqa/kb/text", entity));
        var (kind, index) = Locate(entity);
        var (title, text) = kind switch
        {
            EntityKind.City => (_tables.Cities[index].Name, CityText(_tables.Cities[index], rng)),
            EntityKind.Company => (_tables.Companies[index].Name, CompanyText(_tables.Companies[index], rng)),
            EntityKind.Person => (_tables.People[index].Name, PersonText(_tables.People[index], rng)),
            _ => (_tables.Products[index].Name, ProductText(_tables.Products[index], rng)),
        };
        return new CorpusDocument(DocumentId(position), title, text);
    }

    /// <summary>The documents as a list that renders each one on access.</summary>
    private sealed class DocumentList(KnowledgeBase owner) : IReadOnlyList<CorpusDocument>
    {
        public CorpusDocument this[int index] => index >= 0 && index < Count
            ? owner.Render(index)
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"the knowledge base has {Count} documents");

        public int Count => owner._tables.Order.Length;

        public IEnumerator<CorpusDocument> GetEnumerator() => owner.EnumerateDocuments().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
