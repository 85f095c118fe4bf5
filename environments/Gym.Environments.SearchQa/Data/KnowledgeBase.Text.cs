using System.Globalization;
using System.Text;
using Gym.Core.Seeding;

namespace Gym.Environments.SearchQa.Data;

// Document templates. Every variant of a relation sentence keeps one keyword (born, works, country,
// founded, population, headquartered, made, launched) so that "<name> <keyword>" finds the document by
// BM25; filler sentences never use those keywords, and every document names its subject at least twice.
public sealed partial class KnowledgeBase
{
    private static readonly string[] Interests = ["a series of essays on river ecology", "restoring antique clocks", "award-winning photography", "community theatre", "a popular cooking column", "long-distance cycling", "a book about tidal energy", "mentoring young scientists", "collecting rare maps", "public lectures on astronomy"];
    private static readonly string[] Traits = ["meticulous", "soft-spoken", "relentlessly curious", "generous with time", "a gifted storyteller", "stubborn but fair"];
    private static readonly string[] CityAdjectives = ["coastal", "mountain", "river", "industrial", "historic", "college", "market", "harbour", "lakeside", "garrison"];
    private static readonly string[] CountryFeatures = ["terraced vineyards", "salt marshes", "long winters", "glass workshops", "high plateaus", "ancient roads"];
    private static readonly string[] Settlers = ["river traders", "fishing families", "wandering monks", "silver miners", "shipwrights", "cattle herders"];
    private static readonly string[] Landmarks = ["old stone bridge", "covered market", "clock tower", "lighthouse", "botanical garden", "cathedral", "canal district", "hillside fortress"];
    private static readonly string[] CompanyTraits = ["customer service", "distinctive green logo", "research prizes", "rapid delivery", "durable designs", "training programmes"];
    private static readonly string[] Qualities = ["battery life", "quiet motor", "sturdy frame", "sharp display", "simple controls", "low price", "warm sound"];
    private static readonly string[] Receptions = ["a best seller", "a cult favourite", "a common sight", "a collector's item"];

    private string PersonText(PersonRow person, SeededRandom rng)
    {
        var text = new StringBuilder(384);
        var surname = person.Name[(person.Name.IndexOf(' ', StringComparison.Ordinal) + 1)..];
        var city = _tables.Cities[person.City].Name;
        var occupation = Lexicon.Occupations[person.Occupation];
        var employer = _tables.Companies[person.Employer].Name;
        var sentences = 2;
        switch (rng.Next(4))
        {
            case 0:
                Append(text, $"{person.Name} is {A(occupation)} who was born in {city} in {person.Born}.");
                break;
            case 1:
                Append(text, $"{person.Name} (born {person.Born}) is {A(occupation)}. {surname} was born in {city}.");
                sentences++;
                break;
            case 2:
                Append(text, $"{person.Name} was born in {person.Born} in {city}. {surname} is {A(occupation)}.");
                sentences++;
                break;
            default:
                Append(text, $"Born in {city} in {person.Born}, {person.Name} is {A(occupation)}.");
                break;
        }

        switch (rng.Next(3))
        {
            case 0:
                Append(text, $"{surname} works at {employer}.");
                break;
            case 1:
                Append(text, $"{surname} currently works for {employer}.");
                break;
            default:
                Append(text, $"{surname} works at {employer}, having joined in {Math.Min(person.Born + rng.Next(22, 40), 2024)}.");
                break;
        }

        var fillers = Fillers(rng, 4, 5 - sentences);
        for (var i = 0; i < 4; i++)
        {
            if ((fillers & (1 << i)) == 0)
            {
                continue;
            }

            switch (i)
            {
                case 0:
                    Append(text, $"{surname} is known for {rng.Pick(Interests)}.");
                    break;
                case 1:
                    Append(text, $"Colleagues describe {surname} as {rng.Pick(Traits)}.");
                    break;
                case 2:
                    Append(text, $"In {Math.Min(person.Born + rng.Next(30, 50), 2024)}, {surname} received the {NameForge.Word(rng, 2)} Prize.");
                    break;
                default:
                    Append(text, $"{surname} speaks {rng.Next(2, 6)} languages.");
                    break;
            }
        }

        return text.ToString();
    }

    private string CityText(CityRow city, SeededRandom rng)
    {
        var text = new StringBuilder(320);
        var country = _tables.Countries[city.Country];
        switch (rng.Next(3))
        {
            case 0:
                Append(text, $"{city.Name} is a city in the country of {country}.");
                break;
            case 1:
                Append(text, $"{city.Name} is {A(rng.Pick(CityAdjectives))} city in {country}, a country known for its {rng.Pick(CountryFeatures)}.");
                break;
            default:
                Append(text, $"Located in the country of {country}, {city.Name} is {A(rng.Pick(CityAdjectives))} city.");
                break;
        }

        var founded = rng.Next(3) switch
        {
            0 => $"{city.Name} was founded in {city.Founded}.",
            1 => $"The city was founded in {city.Founded} by {rng.Pick(Settlers)}.",
            _ => $"Founded in {city.Founded}, the city grew around its {rng.Pick(Landmarks)}.",
        };
        var population = rng.Next(3) switch
        {
            0 => $"{city.Name} has a population of {Number(city.Population)}.",
            1 => $"The population of {city.Name} is {Number(city.Population)}.",
            _ => $"As of the latest census, {city.Name} had a population of {Number(city.Population)}.",
        };
        var populationFirst = rng.Chance(0.3);
        Append(text, populationFirst ? population : founded);
        Append(text, populationFirst ? founded : population);
        if (rng.Chance(0.5))
        {
            Append(text, $"Visitors come to {city.Name} for its {rng.Pick(Landmarks)}.");
        }

        return text.ToString();
    }

    private string CompanyText(CompanyRow company, SeededRandom rng)
    {
        var text = new StringBuilder(320);
        var city = _tables.Cities[company.City].Name;
        var industry = Lexicon.Industries[company.Suffix];
        var founder = _tables.People[company.Founder].Name;
        switch (rng.Next(3))
        {
            case 0:
                Append(text, $"{company.Name} is {A(industry)} company headquartered in {city}.");
                break;
            case 1:
                Append(text, $"{company.Name} is {A(industry)} firm; it is headquartered in {city}.");
                break;
            default:
                Append(text, $"Headquartered in {city}, {company.Name} is {A(industry)} company.");
                break;
        }

        var namedTwice = true;
        switch (rng.Next(3))
        {
            case 0:
                Append(text, $"{company.Name} was founded in {company.Founded} by {founder}.");
                break;
            case 1:
                Append(text, $"{founder} founded {company.Name} in {company.Founded}.");
                break;
            default:
                Append(text, $"The company was founded by {founder} in {company.Founded}.");
                namedTwice = false;
                break;
        }

        var fillers = Fillers(rng, 3, 2) | (namedTwice ? 0 : 1);
        if ((fillers & 1) != 0)
        {
            Append(text, $"{company.Name} employs about {Number(rng.Next(20, 50_000))} people.");
        }

        if ((fillers & 2) != 0)
        {
            Append(text, $"The company is best known for its {rng.Pick(CompanyTraits)}.");
        }

        if ((fillers & 4) != 0)
        {
            Append(text, $"Its shares have been listed since {rng.Next(Math.Min(company.Founded + 5, 2024), 2025)}.");
        }

        return text.ToString();
    }

    private string ProductText(ProductRow product, SeededRandom rng)
    {
        var text = new StringBuilder(320);
        var maker = _tables.Companies[product.Maker].Name;
        var category = Lexicon.ProductCategories[product.Category];
        switch (rng.Next(3))
        {
            case 0:
                Append(text, $"The {product.Name} is {A(category)} made by {maker}.");
                break;
            case 1:
                Append(text, $"{product.Name} is {A(category)} made by {maker}.");
                break;
            default:
                Append(text, $"Made by {maker}, the {product.Name} is {A(category)}.");
                break;
        }

        switch (rng.Next(3))
        {
            case 0:
                Append(text, $"The {product.Name} was launched in {product.Launched}.");
                break;
            case 1:
                Append(text, $"{maker} launched the {product.Name} in {product.Launched}.");
                break;
            default:
                Append(text, $"It was launched in {product.Launched}, and the {product.Name} soon became {rng.Pick(Receptions)}.");
                break;
        }

        var fillers = Fillers(rng, 3, 2);
        if ((fillers & 1) != 0)
        {
            Append(text, $"Reviewers praised the {product.Name} for its {rng.Pick(Qualities)}.");
        }

        if ((fillers & 2) != 0)
        {
            // A city that has nothing to do with the maker: a plausible wrong answer for "where is it made".
            Append(text, $"It was designed by a team in {_tables.Cities[rng.Next(_tables.RealCities)].Name}.");
        }

        if ((fillers & 4) != 0)
        {
            Append(text, $"It sold about {Number(rng.Next(1_000, 2_000_000))} units in its first year.");
        }

        return text.ToString();
    }

    /// <summary>A bit set of up to <paramref name="most"/> distinct filler templates out of <paramref name="available"/>.</summary>
    private static int Fillers(SeededRandom rng, int available, int most)
    {
        var count = rng.Next(Math.Min(2, Math.Max(0, most)) + 1);
        var chosen = 0;
        while (count > 0)
        {
            var bit = 1 << rng.Next(available);
            if ((chosen & bit) == 0)
            {
                chosen |= bit;
                count--;
            }
        }

        return chosen;
    }

    private static void Append(StringBuilder text, string sentence)
    {
        if (text.Length > 0)
        {
            text.Append(' ');
        }

        text.Append(sentence);
    }

    /// <summary>The noun phrase with its indefinite article.</summary>
    private static string A(string noun) => ("aeiou".Contains(noun[0], StringComparison.Ordinal) ? "an " : "a ") + noun;

    private static string Number(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
