using System.Text;
using FluentAssertions;
using Gym.Testing;
using Xunit;

namespace Gym.Scenarios.Tests.Hostile;

/// <summary>
/// Seeded fuzzing of <see cref="ScenarioLoader"/>: random and mutated scenario files must end in located errors
/// (or a valid scenario), never in an exception, a hang, or the loader's own "cannot load scenario" catch-all,
/// which only a bug of ours reaches.
/// </summary>
public sealed class ScenarioFuzzTests : IDisposable
{
    private const int Cases = 1500;
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(10);
    private static readonly string[] Fragments =
    [
        "[", "]", "{", "}", ",", ": ", "- ", "? ", "&a ", "*a", "!!str ", "|", ">", "'", "\"", "#", "\t", "\n", "\n  ", "---\n", "...\n",
        "%YAML 1.2\n", "\\", "\u0000", "\uFFFD", "é", "extends: ", "extends: /dev/zero\n", "<<: *a\n", "~", "null", "true", "1e999", "-0", "0x1F",
        "  - kind: exact-match\n", "operators:\n  - kind: sequence\n", "tools: [", "{{", "}}", "{max_turns}", new string('[', 200), new string('-', 70),
    ];

    private readonly string _folder = ProcessTempFolder.Create("gym-fuzz-").Value;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Random_and_mutated_scenarios_give_only_located_errors()
    {
        var seeds = Seeds();
        var random = new Random(20251206);
        var registry = TestFiles.Registry();
        for (var i = 0; i < Cases; i++)
        {
            var text = i % 10 == 0 ? RandomText(random) : Mutate(seeds[random.Next(seeds.Count)], random);
            var path = Path.Combine(_folder, $"case{i % 8}.yaml");
            await File.WriteAllTextAsync(path, text);
            var useRegistry = i % 10 == 0;
            ScenarioLoadResult result;
            try
            {
                result = await Task.Run(() => ScenarioLoader.Load(path, useRegistry ? registry : null)).WaitAsync(PerCase);
            }
            catch (TimeoutException)
            {
                throw new Xunit.Sdk.XunitException($"case {i} took more than {PerCase.TotalSeconds} s:\n{Shown(text)}");
            }

            foreach (var error in result.Errors)
            {
                error.Message.Should().NotStartWith("cannot load scenario", $"case {i} reached the loader's catch-all:\n{Shown(text)}");
                (error.Line >= 1 || error.Message.StartsWith("cannot read scenario file", StringComparison.Ordinal)).Should().BeTrue($"case {i}: {error}");
            }

            (result.Spec is null).Should().Be(result.Errors.Count > 0);
        }
    }

    private static string Shown(string text) => text.Length > 400 ? text[..400] + "…" : text;

    /// <summary>Real scenarios to mutate: the test files and the shipped library.</summary>
    private static List<string> Seeds()
    {
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Valid"), "*.y*ml", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(TestFiles.RepositoryRoot, "scenarios"), "*.y*ml", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .Where(text => text.Length < 20_000)
            .ToList();
        files.Should().NotBeEmpty();
        return files;
    }

    private static string RandomText(Random random)
    {
        var text = new StringBuilder();
        var length = random.Next(0, 400);
        while (text.Length < length)
        {
            text.Append(random.Next(3) switch
            {
                0 => Fragments[random.Next(Fragments.Length)],
                1 => ((char)random.Next(0x20, 0x7F)).ToString(),
                _ => ((char)random.Next(0, 0x3000)).ToString(),
            });
        }

        return text.ToString();
    }

    private static string Mutate(string seed, Random random)
    {
        var text = new StringBuilder(seed);
        var edits = random.Next(1, 6);
        for (var e = 0; e < edits; e++)
        {
            var at = text.Length == 0 ? 0 : random.Next(text.Length);
            switch (random.Next(6))
            {
                case 0:
                    text.Insert(at, Fragments[random.Next(Fragments.Length)]);
                    break;
                case 1:
                    text.Remove(at, Math.Min(random.Next(1, 20), text.Length - at));
                    break;
                case 2 when text.Length > 0:
                    text[at] = (char)random.Next(0x20, 0x7F);
                    break;
                case 3:
                    var length = Math.Min(random.Next(1, 200), text.Length - at);
                    text.Insert(random.Next(text.Length + 1), text.ToString(at, length));
                    break;
                case 4:
                    text.Length = at;
                    break;
                default:
                    text.Insert(at, new string(' ', random.Next(1, 8)));
                    break;
            }
        }

        return text.ToString();
    }
}
