using Gym.Core.Seeding;

namespace Gym.Environments.SearchQa.Data;

/// <summary>
/// Builds a synthetic knowledge base from a seed: fictional countries, cities, companies, people and
/// products linked by typed relations (born in, works at, headquartered in, founded by, made by), plus
/// distractor entities whose names share words with real ones. A pure function of the options.
/// </summary>
public static class KnowledgeBaseGenerator
{
    // Shares of the documents by kind; people dominate, as in an encyclopedia.
    private const double CityShare = 0.06;
    private const double CompanyShare = 0.14;
    private const double ProductShare = 0.25;

    /// <summary>Generates the knowledge base for <paramref name="options"/>.</summary>
    public static KnowledgeBase Generate(KnowledgeBaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var distractors = (int)Math.Round(options.Documents * options.DistractorShare);
        var real = options.Documents - distractors;
        var (realCities, realCompanies, realPeople, realProducts) = Split(real);
        // Distractors of each kind in the same proportion as real ones, so no kind runs out of names to imitate.
        var (fakeCities, fakeCompanies, fakePeople, fakeProducts) = Split(distractors, realCities / (double)real, realCompanies / (double)real, realProducts / (double)real);

        var builder = new Builder(options.Seed, options.Documents);
        builder.Countries(Math.Clamp(realCities / 6, 6, 250));
        builder.RealCities(realCities);
        builder.RealCompanyNames(realCompanies);
        builder.RealPeople(realPeople);
        builder.RealCompanyFacts();
        builder.RealProducts(realProducts);
        builder.FakeCities(fakeCities);
        builder.FakeCompanies(fakeCompanies);
        builder.FakePeople(fakePeople);
        builder.FakeProducts(fakeProducts);
        return new KnowledgeBase(options, builder.Finish());
    }

    private static (int Cities, int Companies, int People, int Products) Split(int total) => Split(total, CityShare, CompanyShare, ProductShare);

    private static (int Cities, int Companies, int People, int Products) Split(int total, double cityShare, double companyShare, double productShare)
    {
        var cities = (int)Math.Round(total * cityShare);
        var companies = (int)Math.Round(total * companyShare);
        var products = (int)Math.Round(total * productShare);
        return (cities, companies, total - cities - companies - products, products);
    }

    /// <summary>The mutable state of one generation; every draw comes from a named stream of the seed.</summary>
    private sealed class Builder(long seed, int documents)
    {
        private const int FirstYear = 1920;
        private const int LastYear = 2024;

        private readonly SeededRandom _names = SeededRandom.ForStream(seed, "searchqa/kb/names");
        private readonly SeededRandom _facts = SeededRandom.ForStream(seed, "searchqa/kb/facts");
        private readonly SeededRandom _fakes = SeededRandom.ForStream(seed, "searchqa/kb/distractors");
        private readonly Dictionary<string, int> _taken = new(documents + 256, StringComparer.Ordinal);
        private readonly List<CityRow> _cities = [];
        private readonly List<CompanyRow> _companies = [];
        private readonly List<PersonRow> _people = [];
        private readonly List<ProductRow> _products = [];
        private string[] _countries = [];
        private string[] _firstNames = [];
        private int _realCities;
        private int _realCompanies;
        private int _realPeople;
        private int _realProducts;

        public void Countries(int count)
        {
            _countries = new string[count];
            for (var i = 0; i < count; i++)
            {
                string name;
                do
                {
                    name = NameForge.Word(_names, 1 + _names.Next(2), _names.Pick(Lexicon.CountryEndings));
                }
                while (!_taken.TryAdd(name, -1 - i));

                _countries[i] = name;
            }
        }

        public void RealCities(int count)
        {
            _realCities = count;
            for (var i = 0; i < count; i++)
            {
                var name = UniqueName(() => NameForge.Word(_names, 1 + _names.Next(2), _names.Pick(Lexicon.CityEndings)));
                _cities.Add(new CityRow(name, _facts.Next(_countries.Length), _facts.Next(600, 1950), Population(_facts), -1));
            }
        }

        public void RealCompanyNames(int count)
        {
            _realCompanies = count;
            for (var i = 0; i < count; i++)
            {
                var suffix = _names.Next(Lexicon.CompanySuffixes.Length);
                var name = UniqueName(() => $"{NameForge.Word(_names, 2 + _names.Next(2))} {Lexicon.CompanySuffixes[suffix]}");
                // Founder and year come once the people exist.
                _companies.Add(new CompanyRow(name, _facts.Next(_realCities), 0, -1, suffix, -1));
            }
        }

        public void RealPeople(int count)
        {
            _realPeople = count;
            // Pools far smaller than the population, so real people share first names and surnames.
            _firstNames = Pool(Math.Clamp(count / 6, 40, 12_000), () => NameForge.Word(_names, 1 + _names.Next(2)));
            var surnames = Pool(Math.Clamp(count / 2, 80, 300_000), () => NameForge.Word(_names, 1 + _names.Next(3)));
            for (var i = 0; i < count; i++)
            {
                var name = UniqueName(() => $"{_names.Pick(_firstNames)} {_names.Pick(surnames)}");
                _people.Add(new PersonRow(name, _facts.Next(_realCities), _facts.Next(_realCompanies), _facts.Next(FirstYear, 2001), _facts.Next(Lexicon.Occupations.Length), -1));
            }
        }

        public void RealCompanyFacts()
        {
            for (var i = 0; i < _realCompanies; i++)
            {
                var founder = _facts.Next(_realPeople);
                _companies[i] = _companies[i] with { Founder = founder, Founded = FoundingYear(_facts, _people[founder].Born) };
            }
        }

        public void RealProducts(int count)
        {
            _realProducts = count;
            for (var i = 0; i < count; i++)
            {
                var name = UniqueName(() => ProductName(_names));
                var maker = _facts.Next(_realCompanies);
                _products.Add(new ProductRow(name, maker, LaunchYear(_facts, _companies[maker].Founded), _facts.Next(Lexicon.ProductCategories.Length), -1));
            }
        }

        public void FakeCities(int count)
        {
            var sources = new SourceDraw(_realCities);
            for (var i = 0; i < count; i++)
            {
                var (source, name) = Imitate(sources, s => _fakes.Chance(0.7)
                    ? $"{_fakes.Pick(Lexicon.CityPrefixes)} {_cities[s].Name}"
                    : $"{_cities[s].Name} {_fakes.Pick(Lexicon.CitySuffixes)}");
                // Another country, so "New Quillton" never answers a question about Quillton's country by accident.
                var country = _countries.Length < 2 ? 0 : (_cities[source].Country + 1 + _fakes.Next(_countries.Length - 1)) % _countries.Length;
                _cities.Add(new CityRow(name, country, _fakes.Next(600, 1950), Population(_fakes), source));
            }
        }

        public void FakeCompanies(int count)
        {
            var sources = new SourceDraw(_realCompanies);
            for (var i = 0; i < count; i++)
            {
                var suffix = 0;
                var (source, name) = Imitate(sources, s =>
                {
                    var real = _companies[s];
                    suffix = (real.Suffix + 1 + _fakes.Next(Lexicon.CompanySuffixes.Length - 1)) % Lexicon.CompanySuffixes.Length;
                    return $"{real.Name[..real.Name.LastIndexOf(' ')]} {Lexicon.CompanySuffixes[suffix]}";
                });
                var founder = _fakes.Next(_realPeople);
                _companies.Add(new CompanyRow(name, _fakes.Next(_realCities), FoundingYear(_fakes, _people[founder].Born), founder, suffix, source));
            }
        }

        public void FakePeople(int count)
        {
            var sources = new SourceDraw(_realPeople);
            for (var i = 0; i < count; i++)
            {
                var (source, name) = Imitate(sources, s =>
                {
                    var real = _people[s].Name;
                    var space = real.IndexOf(' ', StringComparison.Ordinal);
                    var (first, last) = (real[..space], real[(space + 1)..]);
                    return _fakes.Next(4) switch
                    {
                        0 => $"{_fakes.Pick(_firstNames)} {last}",
                        1 => $"{first}{_fakes.Pick(Lexicon.FirstNameSuffixes)} {last}",
                        _ => $"{first} {last}{_fakes.Pick(Lexicon.SurnameSuffixes)}",
                    };
                });
                // Born within a few years of the person imitated: the year alone does not tell them apart.
                var born = Math.Clamp(_people[source].Born + _fakes.Next(-3, 4), FirstYear, 2000);
                _people.Add(new PersonRow(name, _fakes.Next(_realCities), _fakes.Next(_realCompanies), born, _fakes.Next(Lexicon.Occupations.Length), source));
            }
        }

        public void FakeProducts(int count)
        {
            var sources = new SourceDraw(_realProducts);
            for (var i = 0; i < count; i++)
            {
                var (source, name) = Imitate(sources, s =>
                {
                    var real = _products[s].Name;
                    var variant = _fakes.Pick(Lexicon.ProductVariants);
                    // "Orbit 4 2" reads as a typo; a numbered model gets a word variant instead.
                    return char.IsAsciiDigit(real[^1]) && char.IsAsciiDigit(variant[0]) ? $"{real} Pro" : $"{real} {variant}";
                });
                var realMaker = _products[source].Maker;
                // Another maker, so the look-alike never states who makes the real product.
                var maker = (realMaker + 1 + _fakes.Next(_realCompanies - 1)) % _realCompanies;
                _products.Add(new ProductRow(name, maker, LaunchYear(_fakes, _companies[maker].Founded), _fakes.Next(Lexicon.ProductCategories.Length), source));
            }
        }

        public KnowledgeBaseTables Finish()
        {
            var order = new int[documents];
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            // Shuffled so that a document's id says nothing about its kind or whether it is a distractor.
            var rng = SeededRandom.ForStream(seed, "searchqa/kb/order");
            for (var i = order.Length - 1; i > 0; i--)
            {
                var j = rng.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }

            var offsets = new[] { 0, _cities.Count, _cities.Count + _companies.Count, _cities.Count + _companies.Count + _people.Count };
            foreach (var (kind, offset) in new[] { (EntityKind.City, offsets[0]), (EntityKind.Company, offsets[1]), (EntityKind.Person, offsets[2]), (EntityKind.Product, offsets[3]) })
            {
                var names = kind switch
                {
                    EntityKind.City => _cities.Select(c => c.Name),
                    EntityKind.Company => _companies.Select(c => c.Name),
                    EntityKind.Person => _people.Select(p => p.Name),
                    _ => _products.Select(p => p.Name),
                };
                var i = 0;
                foreach (var name in names)
                {
                    _taken[name] = offset + i++;
                }
            }

            return new KnowledgeBaseTables
            {
                Countries = _countries,
                Cities = [.. _cities],
                Companies = [.. _companies],
                People = [.. _people],
                Products = [.. _products],
                RealCities = _realCities,
                RealCompanies = _realCompanies,
                RealPeople = _realPeople,
                RealProducts = _realProducts,
                Order = order,
                Names = _taken,
            };
        }

        private string UniqueName(Func<string> draw)
        {
            string name;
            do
            {
                name = draw();
            }
            while (!_taken.TryAdd(name, 0));

            return name;
        }

        private static string[] Pool(int size, Func<string> draw)
        {
            var pool = new HashSet<string>(size, StringComparer.Ordinal);
            var words = new string[size];
            for (var i = 0; i < size; i++)
            {
                string word;
                do
                {
                    word = draw();
                }
                while (!pool.Add(word));

                words[i] = word;
            }

            return words;
        }

        /// <summary>
        /// Picks a real entity not yet imitated and a look-alike name for it that no entity has. Each real
        /// entity lends its name at most once, so at most one near-duplicate competes with it in a search.
        /// </summary>
        private (int Source, string Name) Imitate(SourceDraw sources, Func<int, string> variant)
        {
            while (sources.Next(_fakes) is { } source)
            {
                for (var tries = 0; tries < 8; tries++)
                {
                    var name = variant(source);
                    if (_taken.TryAdd(name, 0))
                    {
                        return (source, name);
                    }
                }

                // Every variant drawn was taken (rare): this source is spent, try another.
            }

            // Distractors of a kind never outnumber its real entities; only a run of fully taken variants gets here.
            throw new InvalidOperationException("every real entity already lends its name to a distractor");
        }

        /// <summary>
        /// Towns and metropolises alike: a uniform order of magnitude, then a uniform value within it. Integer
        /// arithmetic only, since Math.Log and Math.Exp may differ in the last bit between platforms.
        /// </summary>
        private static int Population(SeededRandom rng) => rng.Next(4) switch
        {
            0 => rng.Next(2_000, 10_000),
            1 => rng.Next(10_000, 100_000),
            2 => rng.Next(100_000, 1_000_000),
            _ => rng.Next(1_000_000, 3_000_000),
        };

        private static int FoundingYear(SeededRandom rng, int founderBorn) => rng.Next(founderBorn + 20, Math.Min(founderBorn + 65, 2022) + 1);

        private static int LaunchYear(SeededRandom rng, int makerFounded) => rng.Next(Math.Min(makerFounded + 1, LastYear), LastYear + 1);

        private static string ProductName(SeededRandom rng)
        {
            var brand = NameForge.Word(rng, 1 + rng.Next(2));
            var model = rng.Pick(Lexicon.ProductModels);
            return rng.Chance(0.25) ? $"{brand} {model} {rng.Next(2, 10)}" : $"{brand} {model}";
        }
    }

    /// <summary>Real entities in a random order without repeats: a Fisher–Yates shuffle run one step per draw.</summary>
    private sealed class SourceDraw(int count)
    {
        private readonly int[] _order = Enumerable.Range(0, count).ToArray();
        private int _drawn;

        public int? Next(SeededRandom rng)
        {
            if (_drawn == _order.Length)
            {
                return null;
            }

            var pick = rng.Next(_drawn, _order.Length);
            (_order[_drawn], _order[pick]) = (_order[pick], _order[_drawn]);
            return _order[_drawn++];
        }
    }
}
