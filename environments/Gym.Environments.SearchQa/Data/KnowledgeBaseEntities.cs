namespace Gym.Environments.SearchQa.Data;

// Entities are compact rows that point at each other by index; document text is rendered from them on
// demand, so a million-document knowledge base holds names and numbers, not a gigabyte of prose.
// Real entities come first in each table; distractors follow, each naming the real entity it imitates.

/// <summary>The kinds of entity that have a document.</summary>
internal enum EntityKind
{
    City,
    Company,
    Person,
    Product,
}

/// <param name="Name">The unique title.</param>
/// <param name="Country">Index into the country names.</param>
/// <param name="Founded">Founding year.</param>
/// <param name="Population">Inhabitants.</param>
/// <param name="Source">For a distractor, the real city it imitates; -1 for a real city.</param>
internal readonly record struct CityRow(string Name, int Country, int Founded, int Population, int Source);

/// <param name="Name">The unique title (a brand and a suffix such as "Labs").</param>
/// <param name="City">Headquarters: a city index.</param>
/// <param name="Founded">Founding year.</param>
/// <param name="Founder">A person index.</param>
/// <param name="Suffix">Index into the company suffixes, which also gives the industry.</param>
/// <param name="Source">For a distractor, the real company it imitates; -1 for a real company.</param>
internal readonly record struct CompanyRow(string Name, int City, int Founded, int Founder, int Suffix, int Source);

/// <param name="Name">The unique title, "First Last".</param>
/// <param name="City">Birthplace: a city index.</param>
/// <param name="Employer">A company index.</param>
/// <param name="Born">Birth year.</param>
/// <param name="Occupation">Index into the occupations.</param>
/// <param name="Source">For a distractor, the real person it imitates; -1 for a real person.</param>
internal readonly record struct PersonRow(string Name, int City, int Employer, int Born, int Occupation, int Source);

/// <param name="Name">The unique title, a brand and a model.</param>
/// <param name="Maker">A company index.</param>
/// <param name="Launched">Launch year.</param>
/// <param name="Category">Index into the product categories.</param>
/// <param name="Source">For a distractor, the real product it imitates; -1 for a real product.</param>
internal readonly record struct ProductRow(string Name, int Maker, int Launched, int Category, int Source);

/// <summary>Everything a knowledge base is made of, before rendering.</summary>
internal sealed class KnowledgeBaseTables
{
    public required string[] Countries { get; init; }
    public required CityRow[] Cities { get; init; }
    public required CompanyRow[] Companies { get; init; }
    public required PersonRow[] People { get; init; }
    public required ProductRow[] Products { get; init; }
    public required int RealCities { get; init; }
    public required int RealCompanies { get; init; }
    public required int RealPeople { get; init; }
    public required int RealProducts { get; init; }

    /// <summary>Document position to global entity index (cities, then companies, people, products).</summary>
    public required int[] Order { get; init; }

    /// <summary>Every title (and country name) to its global entity index; countries map to -1 - country.</summary>
    public required Dictionary<string, int> Names { get; init; }
}

/// <summary>Vocabulary shared by the generator, the renderer and the question writer.</summary>
internal static class Lexicon
{
    public static readonly string[] CityEndings = ["ton", "ford", "vale", "mouth", "burg", "holm", "wick", "stead", "field", "port", "bridge", "haven"];
    public static readonly string[] CountryEndings = ["ia", "land", "mark", "stan", "ora", "mere", "gard", "esh"];
    public static readonly string[] CityPrefixes = ["New", "Port", "East", "West", "North", "South", "Upper", "Lower", "Old"];
    public static readonly string[] CitySuffixes = ["Falls", "Heights", "Bay", "Springs", "Junction"];
    public static readonly string[] SurnameSuffixes = ["on", "s", "er", "ley", "by", "ing", "ard", "ell"];
    public static readonly string[] FirstNameSuffixes = ["a", "o", "ie", "na", "el"];
    public static readonly string[] ProductVariants = ["Pro", "Mini", "Lite", "Max", "Plus", "Air", "2", "3", "X", "Neo"];

    // Suffix and industry side by side: "Vantor Pharma" is a pharmaceutical company.
    public static readonly string[] CompanySuffixes = ["Industries", "Labs", "Systems", "Dynamics", "Motors", "Foods", "Media", "Logistics", "Pharma", "Energy", "Textiles", "Robotics"];
    public static readonly string[] Industries = ["manufacturing", "research", "software", "engineering", "automotive", "food", "media", "logistics", "pharmaceutical", "energy", "textile", "robotics"];

    public static readonly string[] ProductModels = ["Orbit", "Falcon", "Lattice", "Comet", "Pulse", "Vertex", "Harbor", "Ember", "Quartz", "Summit", "Breeze", "Atlas", "Nova", "Prism", "Drift", "Echo", "Tundra", "Cobalt", "Meridian", "Zephyr", "Beacon", "Cinder", "Glacier", "Halo", "Ion", "Juniper", "Kestrel", "Lumen", "Mosaic", "Nimbus"];
    public static readonly string[] ProductCategories = ["smartwatch", "drone", "e-bike", "espresso machine", "headset", "camera", "e-reader", "synthesizer", "kayak", "tablet", "thermostat", "lawn mower", "3D printer", "speaker", "projector"];
    public static readonly string[] Occupations = ["engineer", "chemist", "architect", "painter", "economist", "botanist", "teacher", "pilot", "surgeon", "journalist", "composer", "geologist", "lawyer", "novelist", "photographer", "astronomer", "chef", "diplomat", "sculptor", "statistician"];
}
