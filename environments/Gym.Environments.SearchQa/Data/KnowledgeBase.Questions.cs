using System.Globalization;
using Gym.Core.Seeding;
using Gym.Environments.SearchQa.Corpus;

namespace Gym.Environments.SearchQa.Data;

// Questions are only ever about real entities and follow real relations, which point only at real
// entities, so every supporting document is a real one and its title names exactly one document.
// Distractors can mislead a reader who matches names loosely, but never make a second valid answer.
public sealed partial class KnowledgeBase
{
    // The keyword each relation's sentences always contain; a hop query is "<name> <keyword>".
    private const string Born = "born";
    private const string Works = "works";
    private const string Country = "country";
    private const string Founded = "founded";
    private const string Population = "population";
    private const string Headquartered = "headquartered";
    private const string Made = "made";
    private const string Launched = "launched";

    /// <summary>The kinds of question a knowledge base writes, in order of the hops they need (1, 2, 2, 3 documents).</summary>
    public static IReadOnlyList<HopKind> QuestionKinds { get; } = [HopKind.SingleHop, HopKind.Bridge, HopKind.Comparison, HopKind.ThreeHop];

    /// <summary>
    /// One question of <paramref name="kind"/>, a pure function of the knowledge base and <paramref name="seed"/>
    /// (an episode can regenerate its question from its seed). Its id is <c>kind-s{seed}</c>.
    /// </summary>
    public QaExample Question(HopKind kind, long seed)
    {
        var slug = Slug(kind);
        return Compose(kind, SeededRandom.ForStream(seed, "searchqa/question/" + slug), $"{slug}-s{seed}");
    }

    /// <summary>
    /// <paramref name="count"/> distinct questions of <paramref name="kind"/> drawn with <paramref name="seed"/>;
    /// ids are <c>kind-s{seed}-{i}</c>. Throws <see cref="InvalidOperationException"/> when the knowledge base
    /// cannot supply that many distinct questions.
    /// </summary>
    public IReadOnlyList<QaExample> Questions(HopKind kind, int count, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var slug = Slug(kind);
        var rng = SeededRandom.ForStream(seed, "searchqa/questions/" + slug);
        var seen = new HashSet<string>(count, StringComparer.Ordinal);
        var questions = new List<QaExample>(count);
        for (var budget = (count * 20L) + 100; questions.Count < count; budget--)
        {
            if (budget == 0)
            {
                throw new InvalidOperationException($"the knowledge base has fewer than {count} distinct {slug} questions");
            }

            var question = Compose(kind, rng, $"{slug}-s{seed}-{questions.Count.ToString("D5", CultureInfo.InvariantCulture)}");
            if (seen.Add(question.Question))
            {
                questions.Add(question);
            }
        }

        return questions;
    }

    private static string Slug(HopKind kind) => kind switch
    {
        HopKind.SingleHop => "single-hop",
        HopKind.Bridge => "bridge",
        HopKind.Comparison => "comparison",
        HopKind.ThreeHop => "three-hop",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "a knowledge base writes single-hop, bridge, comparison and three-hop questions"),
    };

    private QaExample Compose(HopKind kind, SeededRandom rng, string id) => kind switch
    {
        HopKind.SingleHop => SingleHop(rng, id),
        HopKind.Bridge => Bridge(rng, id),
        HopKind.Comparison => Comparison(rng, id),
        _ => ThreeHop(rng, id),
    };

    private QaExample SingleHop(SeededRandom rng, string id)
    {
        const HopKind K = HopKind.SingleHop;
        switch (rng.Next(11))
        {
            case 0:
            {
                var p = RealPerson(rng);
                var question = rng.Chance(0.5) ? $"In which city was {p.Name} born?" : $"Where was {p.Name} born?";
                return Make(id, K, question, [CityName(p.City)], [p.Name], [Query(p.Name, Born)]);
            }

            case 1:
            {
                var p = RealPerson(rng);
                var question = rng.Chance(0.5) ? $"Which company does {p.Name} work for?" : $"Who employs {p.Name}?";
                return Make(id, K, question, [CompanyName(p.Employer)], [p.Name], [Query(p.Name, Works)]);
            }

            case 2:
            {
                var p = RealPerson(rng);
                return Make(id, K, $"In what year was {p.Name} born?", Year(p.Born), [p.Name], [Query(p.Name, Born)]);
            }

            case 3:
            {
                var c = RealCity(rng);
                var question = rng.Chance(0.5) ? $"In which country is {c.Name}?" : $"Which country is the city of {c.Name} in?";
                return Make(id, K, question, [_tables.Countries[c.Country]], [c.Name], [Query(c.Name, Country)]);
            }

            case 4:
            {
                var c = RealCity(rng);
                return Make(id, K, $"In what year was the city of {c.Name} founded?", Year(c.Founded), [c.Name], [Query(c.Name, Founded)]);
            }

            case 5:
            {
                var c = RealCity(rng);
                return Make(id, K, $"What is the population of {c.Name}?", [Number(c.Population), c.Population.ToString(CultureInfo.InvariantCulture)], [c.Name], [Query(c.Name, Population)]);
            }

            case 6:
            {
                var co = RealCompany(rng);
                var question = rng.Chance(0.5) ? $"In which city is {co.Name} headquartered?" : $"Where are the headquarters of {co.Name}?";
                return Make(id, K, question, [CityName(co.City)], [co.Name], [Query(co.Name, Headquartered)]);
            }

            case 7:
            {
                var co = RealCompany(rng);
                return Make(id, K, $"Who founded {co.Name}?", [PersonName(co.Founder)], [co.Name], [Query(co.Name, Founded)]);
            }

            case 8:
            {
                var co = RealCompany(rng);
                return Make(id, K, $"In what year was {co.Name} founded?", Year(co.Founded), [co.Name], [Query(co.Name, Founded)]);
            }

            case 9:
            {
                var pr = RealProduct(rng);
                var question = rng.Chance(0.5) ? $"Which company makes the {pr.Name}?" : $"Who is the maker of the {pr.Name}?";
                return Make(id, K, question, [CompanyName(pr.Maker)], [pr.Name], [Query(pr.Name, Made)]);
            }

            default:
            {
                var pr = RealProduct(rng);
                return Make(id, K, $"In what year was the {pr.Name} launched?", Year(pr.Launched), [pr.Name], [Query(pr.Name, Launched)]);
            }
        }
    }

    private QaExample Bridge(SeededRandom rng, string id)
    {
        const HopKind K = HopKind.Bridge;
        switch (rng.Next(7))
        {
            case 0:
            {
                var p = RealPerson(rng);
                var c = _tables.Cities[p.City];
                return Make(id, K, $"In which country was {p.Name} born?", [_tables.Countries[c.Country]], [p.Name, c.Name], [Query(p.Name, Born), Query(c.Name, Country)]);
            }

            case 1:
            {
                var p = RealPerson(rng);
                var co = _tables.Companies[p.Employer];
                return Make(id, K, $"In which city is the company that {p.Name} works for headquartered?", [CityName(co.City)], [p.Name, co.Name], [Query(p.Name, Works), Query(co.Name, Headquartered)]);
            }

            case 2:
            {
                var pr = RealProduct(rng);
                var co = _tables.Companies[pr.Maker];
                return Make(id, K, $"Who founded the company that makes the {pr.Name}?", [PersonName(co.Founder)], [pr.Name, co.Name], [Query(pr.Name, Made), Query(co.Name, Founded)]);
            }

            case 3:
            {
                var pr = RealProduct(rng);
                var co = _tables.Companies[pr.Maker];
                return Make(id, K, $"In what year was the company that makes the {pr.Name} founded?", Year(co.Founded), [pr.Name, co.Name], [Query(pr.Name, Made), Query(co.Name, Founded)]);
            }

            case 4:
            {
                var co = RealCompany(rng);
                var p = _tables.People[co.Founder];
                return Make(id, K, $"In which city was the founder of {co.Name} born?", [CityName(p.City)], [co.Name, p.Name], [Query(co.Name, Founded), Query(p.Name, Born)]);
            }

            case 5:
            {
                var co = RealCompany(rng);
                var c = _tables.Cities[co.City];
                return Make(id, K, $"In which country is {co.Name} headquartered?", [_tables.Countries[c.Country]], [co.Name, c.Name], [Query(co.Name, Headquartered), Query(c.Name, Country)]);
            }

            default:
            {
                var co = RealCompany(rng);
                var p = _tables.People[co.Founder];
                return Make(id, K, $"In what year was the founder of {co.Name} born?", Year(p.Born), [co.Name, p.Name], [Query(co.Name, Founded), Query(p.Name, Born)]);
            }
        }
    }

    private QaExample Comparison(SeededRandom rng, string id)
    {
        const HopKind K = HopKind.Comparison;
        switch (rng.Next(5))
        {
            case 0:
            {
                var (a, b) = Pair(rng, _tables.Companies, _tables.RealCompanies, c => c.Founded);
                var first = a.Founded < b.Founded ? a : b;
                return Make(id, K, $"Which company was founded first, {a.Name} or {b.Name}?", [first.Name], [a.Name, b.Name], [Query(a.Name, Founded), Query(b.Name, Founded)]);
            }

            case 1:
            {
                var (a, b) = Pair(rng, _tables.People, _tables.RealPeople, p => p.Born);
                var older = a.Born < b.Born ? a : b;
                var question = rng.Chance(0.5) ? $"Who is older, {a.Name} or {b.Name}?" : $"Who was born first, {a.Name} or {b.Name}?";
                return Make(id, K, question, [older.Name], [a.Name, b.Name], [Query(a.Name, Born), Query(b.Name, Born)]);
            }

            case 2:
            {
                var (a, b) = Pair(rng, _tables.Cities, _tables.RealCities, c => c.Population);
                var larger = a.Population > b.Population ? a : b;
                return Make(id, K, $"Which city has the larger population, {a.Name} or {b.Name}?", [larger.Name], [a.Name, b.Name], [Query(a.Name, Population), Query(b.Name, Population)]);
            }

            case 3:
            {
                var (a, b) = Pair(rng, _tables.Cities, _tables.RealCities, c => c.Founded);
                var older = a.Founded < b.Founded ? a : b;
                return Make(id, K, $"Which city was founded earlier, {a.Name} or {b.Name}?", [older.Name], [a.Name, b.Name], [Query(a.Name, Founded), Query(b.Name, Founded)]);
            }

            default:
            {
                var (a, b) = Pair(rng, _tables.Products, _tables.RealProducts, p => p.Launched);
                var first = a.Launched < b.Launched ? a : b;
                return Make(id, K, $"Which product was launched first, the {a.Name} or the {b.Name}?", [first.Name], [a.Name, b.Name], [Query(a.Name, Launched), Query(b.Name, Launched)]);
            }
        }
    }

    private QaExample ThreeHop(SeededRandom rng, string id)
    {
        const HopKind K = HopKind.ThreeHop;
        switch (rng.Next(5))
        {
            case 0:
            {
                var p = RealPerson(rng);
                var co = _tables.Companies[p.Employer];
                var c = _tables.Cities[co.City];
                return Make(id, K, $"In which country is the company that {p.Name} works for headquartered?", [_tables.Countries[c.Country]], [p.Name, co.Name, c.Name], [Query(p.Name, Works), Query(co.Name, Headquartered), Query(c.Name, Country)]);
            }

            case 1:
            {
                var pr = RealProduct(rng);
                var co = _tables.Companies[pr.Maker];
                var p = _tables.People[co.Founder];
                return Make(id, K, $"In which city was the founder of the company that makes the {pr.Name} born?", [CityName(p.City)], [pr.Name, co.Name, p.Name], [Query(pr.Name, Made), Query(co.Name, Founded), Query(p.Name, Born)]);
            }

            case 2:
            {
                var co = RealCompany(rng);
                var p = _tables.People[co.Founder];
                var c = _tables.Cities[p.City];
                return Make(id, K, $"In which country was the founder of {co.Name} born?", [_tables.Countries[c.Country]], [co.Name, p.Name, c.Name], [Query(co.Name, Founded), Query(p.Name, Born), Query(c.Name, Country)]);
            }

            case 3:
            {
                var pr = RealProduct(rng);
                var co = _tables.Companies[pr.Maker];
                var c = _tables.Cities[co.City];
                return Make(id, K, $"In which country is the company that makes the {pr.Name} headquartered?", [_tables.Countries[c.Country]], [pr.Name, co.Name, c.Name], [Query(pr.Name, Made), Query(co.Name, Headquartered), Query(c.Name, Country)]);
            }

            default:
            {
                var pr = RealProduct(rng);
                var co = _tables.Companies[pr.Maker];
                var p = _tables.People[co.Founder];
                return Make(id, K, $"In what year was the founder of the company that makes the {pr.Name} born?", Year(p.Born), [pr.Name, co.Name, p.Name], [Query(pr.Name, Made), Query(co.Name, Founded), Query(p.Name, Born)]);
            }
        }
    }

    /// <summary>Two different real entities whose compared values differ, so the comparison has one answer.</summary>
    private static (T A, T B) Pair<T>(SeededRandom rng, T[] rows, int real, Func<T, int> value)
    {
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            var (a, b) = (rng.Next(real), rng.Next(real));
            if (a != b && value(rows[a]) != value(rows[b]))
            {
                return (rows[a], rows[b]);
            }
        }

        throw new InvalidOperationException("no two entities differ in the compared value");
    }

    private static QaExample Make(string id, HopKind kind, string question, string[] answers, string[] titles, string[] queries) =>
        new(id, question, answers, titles, kind, queries);

    private static string Query(string name, string keyword) => $"{name} {keyword}";

    private static string[] Year(int year) => [year.ToString(CultureInfo.InvariantCulture)];

    private PersonRow RealPerson(SeededRandom rng) => _tables.People[rng.Next(_tables.RealPeople)];

    private CityRow RealCity(SeededRandom rng) => _tables.Cities[rng.Next(_tables.RealCities)];

    private CompanyRow RealCompany(SeededRandom rng) => _tables.Companies[rng.Next(_tables.RealCompanies)];

    private ProductRow RealProduct(SeededRandom rng) => _tables.Products[rng.Next(_tables.RealProducts)];

    private string CityName(int city) => _tables.Cities[city].Name;

    private string CompanyName(int company) => _tables.Companies[company].Name;

    private string PersonName(int person) => _tables.People[person].Name;
}
