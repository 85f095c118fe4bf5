using FluentAssertions;
using Gym.Environments.SearchQa.Corpus;
using Gym.Environments.SearchQa.Index;
using Xunit;

namespace Gym.Environments.SearchQa.Tests.Index;

public sealed class SearchIndexCacheTests : IDisposable
{
    private const string Marker = "gym-index.json";

    private readonly TempCacheRoot _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void The_first_open_builds_into_a_folder_named_by_the_key_and_the_second_reuses_it()
    {
        string path;
        using (var built = SearchIndex.Open(TinyCorpus.Documents, _root.Options))
        {
            built.WasBuilt.Should().BeTrue();
            built.BuildTime.Should().BePositive();
            built.RebuildReason.Should().BeNull();
            built.DocumentCount.Should().Be(12);
            built.SizeBytes.Should().BePositive();
            built.CacheKey.Should().MatchRegex("^[0-9a-f]{64}$");
            built.IndexPath.Should().Be(Path.Combine(_root.Path, built.CacheKey));
            File.Exists(Path.Combine(built.IndexPath, Marker)).Should().BeTrue();
            path = built.IndexPath;
        }

        var markerWritten = File.GetLastWriteTimeUtc(Path.Combine(path, Marker));
        using var reused = SearchIndex.Open(TinyCorpus.Documents.ToList(), _root.Options);

        reused.WasBuilt.Should().BeFalse();
        reused.BuildTime.Should().Be(TimeSpan.Zero);
        reused.RebuildReason.Should().BeNull();
        reused.IndexPath.Should().Be(path);
        reused.DocumentCount.Should().Be(12);
        File.GetLastWriteTimeUtc(Path.Combine(path, Marker)).Should().Be(markerWritten);
        reused.Search("highest mountain", 1)[0].Id.Should().Be("d05");
        Directory.GetDirectories(_root.Path).Select(Path.GetFileName).Should().BeEquivalentTo([reused.CacheKey, ".locks"]);
    }

    [Fact]
    public void Editing_one_text_changes_the_key_and_builds_a_new_index()
    {
        using var original = SearchIndex.Open(TinyCorpus.Documents, _root.Options);
        var edited = TinyCorpus.WithText("d09", "The Nile is a river famous for crocodiles.");

        using var changed = SearchIndex.Open(edited, _root.Options);

        changed.WasBuilt.Should().BeTrue();
        changed.CacheKey.Should().NotBe(original.CacheKey);
        changed.Search("crocodiles", 3).Select(h => h.Id).Should().Equal("d09");
        original.Search("crocodiles", 3).Should().BeEmpty();
    }

    [Fact]
    public void Moving_text_between_fields_or_documents_changes_the_key()
    {
        CorpusDocument[] a = [new("1", "ab", "c")];
        CorpusDocument[] b = [new("1", "a", "bc")];
        CorpusDocument[] c = [new("1", "ab", "c"), new("2", "", "")];

        using var ia = SearchIndex.Open(a, _root.Options);
        using var ib = SearchIndex.Open(b, _root.Options);
        using var ic = SearchIndex.Open(c, _root.Options);

        new[] { ia.CacheKey, ib.CacheKey, ic.CacheKey }.Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void Settings_that_change_the_index_change_the_key_and_search_time_settings_do_not()
    {
        using var english = SearchIndex.Open(TinyCorpus.Documents, _root.Options);
        using var standard = SearchIndex.Open(TinyCorpus.Documents, _root.Options with { Analyzer = SearchAnalyzerKind.Standard });
        using var tuned = SearchIndex.Open(TinyCorpus.Documents, _root.Options with { K1 = 0.9f, B = 0.4f, TitleBoost = 3, TopK = 7 });

        standard.CacheKey.Should().NotBe(english.CacheKey);
        standard.WasBuilt.Should().BeTrue();
        tuned.CacheKey.Should().Be(english.CacheKey);
        tuned.WasBuilt.Should().BeFalse();
        tuned.Search("Inception").Should().HaveCount(3);
        tuned.Search("film France river Africa Nolan").Should().HaveCount(7);
    }

    public static TheoryData<string, string> Corruptions() => new()
    {
        { "delete-marker", "marker is missing" },
        { "garble-marker", "marker is unreadable" },
        { "marker-other-key", "different corpus" },
        { "delete-segments", "is missing" },
        { "delete-documents", "is missing" },
        { "truncate-documents", "bytes, the marker records" },
        { "truncate-terms", "bytes, the marker records" },
        { "extend-postings", "bytes, the marker records" },
        { "garbage-in-documents", "gym-docs.bin does not match its SHA-256" },
        { "garbage-in-offsets", "gym-docs.idx does not match its SHA-256" },
        { "garbage-in-terms", "does not open" },
        { "garbage-in-postings", "does not open" },
        { "garbage-in-segments", "does not open" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_damaged_index_is_detected_and_rebuilt_with_correct_results(string damage, string reason)
    {
        string path;
        using (var first = SearchIndex.Open(TinyCorpus.Documents, _root.Options))
        {
            path = first.IndexPath;
        }

        Damage(path, damage);
        using var reopened = SearchIndex.Open(TinyCorpus.Documents, _root.Options);

        reopened.WasBuilt.Should().BeTrue();
        reopened.RebuildReason.Should().Contain(reason);
        reopened.IndexPath.Should().Be(path);
        foreach (var (query, title) in TinyCorpus.Questions)
        {
            reopened.Search(query, 3)[0].Title.Should().Be(title);
        }

        reopened.Get("d12")!.Title.Should().Be("Seine");
        Directory.GetDirectories(_root.Path).Should().HaveCount(2, "the damaged copy is deleted, leaving the index and the lock folder");

        using var third = SearchIndex.Open(TinyCorpus.Documents, _root.Options);
        third.WasBuilt.Should().BeFalse();
    }

    [Fact]
    public void Fast_verification_still_catches_a_truncated_file()
    {
        string path;
        using (var first = SearchIndex.Open(TinyCorpus.Documents, _root.Options))
        {
            path = first.IndexPath;
        }

        Damage(path, "truncate-documents");
        using var reopened = SearchIndex.Open(TinyCorpus.Documents, _root.Options with { Verification = IndexVerification.Fast });

        reopened.WasBuilt.Should().BeTrue();
        reopened.Search("radioactivity", 1)[0].Title.Should().Be("Marie Curie");
    }

    [Fact]
    public void An_index_already_open_keeps_working_after_a_damaged_copy_is_replaced()
    {
        using var first = SearchIndex.Open(TinyCorpus.Documents, _root.Options);
        Damage(first.IndexPath, "delete-marker");

        using var second = SearchIndex.Open(TinyCorpus.Documents, _root.Options);

        second.WasBuilt.Should().BeTrue();
        first.Search("radioactivity", 1)[0].Title.Should().Be("Marie Curie");
    }

    [Fact]
    public void A_crashed_build_folder_is_ignored_and_removed()
    {
        string key;
        using (var probe = SearchIndex.Open(TinyCorpus.Documents, _root.Options))
        {
            key = probe.CacheKey;
        }

        Directory.Delete(Path.Combine(_root.Path, key), recursive: true);
        // What a build killed half-way leaves: a few Lucene files and no marker, plus a trash folder.
        var crashed = Path.Combine(_root.Path, $".build-{key}-crashed0");
        Directory.CreateDirectory(crashed);
        File.WriteAllBytes(Path.Combine(crashed, "_0.fdt"), new byte[1000]);
        File.WriteAllText(Path.Combine(crashed, "segments_1"), "torn");
        var trash = Path.Combine(_root.Path, $".trash-{key}-left0");
        Directory.CreateDirectory(trash);

        using var index = SearchIndex.Open(TinyCorpus.Documents, _root.Options);

        index.WasBuilt.Should().BeTrue();
        index.RebuildReason.Should().BeNull("there was no index under the key, only a build folder");
        Directory.Exists(crashed).Should().BeFalse();
        Directory.Exists(trash).Should().BeFalse();
        index.Search("Who directed the film Inception?", 1)[0].Id.Should().Be("d01");
    }

    [Fact]
    public async Task A_build_folder_whose_builder_is_alive_is_left_alone_and_open_waits_for_the_builder()
    {
        string key;
        using (var probe = SearchIndex.Open(TinyCorpus.Documents, _root.Options))
        {
            key = probe.CacheKey;
        }

        Directory.Delete(Path.Combine(_root.Path, key), recursive: true);
        var live = Path.Combine(_root.Path, $".build-{key}-alive00");
        Directory.CreateDirectory(live);

        Task<SearchIndex> opening;
        using (HoldBuildLock(key))
        {
            opening = Task.Run(() => SearchIndex.Open(TinyCorpus.Documents, _root.Options));
            await Task.Delay(300);
            opening.IsCompleted.Should().BeFalse("another builder holds the lock");
            Directory.Exists(live).Should().BeTrue();
        }

        using var index = await opening.WaitAsync(TimeSpan.FromSeconds(30));
        index.WasBuilt.Should().BeTrue();
        index.Search("radioactivity", 1)[0].Id.Should().Be("d06");
    }

    [Fact]
    public void Waiting_for_a_builder_longer_than_the_timeout_fails()
    {
        string key;
        using (var probe = SearchIndex.Open(TinyCorpus.Documents, _root.Options))
        {
            key = probe.CacheKey;
        }

        Directory.Delete(Path.Combine(_root.Path, key), recursive: true);
        using var held = HoldBuildLock(key);

        var open = () => SearchIndex.Open(TinyCorpus.Documents, _root.Options with { BuildWaitTimeout = TimeSpan.FromMilliseconds(200) });

        open.Should().Throw<TimeoutException>();
    }

    [Fact]
    public async Task Concurrent_opens_of_one_corpus_build_it_once_and_share_it()
    {
        var corpus = TinyCorpus.Documents.Concat(Enumerable.Range(0, 3000).Select(i => new CorpusDocument($"x{i}", $"Filler {i}", $"filler text number {i} about nothing in particular"))).ToList();
        using var start = new Barrier(4);

        var opened = await Task.WhenAll(Enumerable.Range(0, 4)
            .Select(_ => Task.Run(() =>
            {
                start.SignalAndWait();
                return SearchIndex.Open(corpus, _root.Options);
            })));

        try
        {
            opened.Count(i => i.WasBuilt).Should().Be(1);
            opened.Select(i => i.IndexPath).Distinct().Should().HaveCount(1);
            opened.Select(i => string.Join(',', i.Search("Who directed the film Inception?", 3).Select(h => h.Id))).Distinct().Should().HaveCount(1);
            Directory.GetDirectories(_root.Path).Select(Path.GetFileName).Should().BeEquivalentTo([opened[0].CacheKey, ".locks"]);
        }
        finally
        {
            foreach (var index in opened)
            {
                index.Dispose();
            }
        }
    }

    [Fact]
    public void A_corpus_that_enumerates_differently_the_second_time_is_rejected_and_leaves_nothing_behind()
    {
        var enumerations = 0;
        IEnumerable<CorpusDocument> Shifting()
        {
            enumerations++;
            foreach (var document in TinyCorpus.Documents)
            {
                yield return document with { Text = document.Text + enumerations };
            }
        }

        var open = () => SearchIndex.Open(Shifting(), _root.Options);

        open.Should().Throw<InvalidOperationException>().WithMessage("*enumerated to different documents*");
        Directory.GetDirectories(_root.Path).Select(Path.GetFileName).Should().BeEquivalentTo([".locks"]);
    }

    [Fact]
    public void Documents_the_index_cannot_hold_are_rejected_before_building()
    {
        var nullText = () => SearchIndex.Open([new CorpusDocument("a", "t", null!)], _root.Options);
        var hugeId = () => SearchIndex.Open([new CorpusDocument(new string('x', 20_000), "t", "body")], _root.Options);

        nullText.Should().Throw<ArgumentException>().WithMessage("*null*");
        hugeId.Should().Throw<ArgumentException>().WithMessage("*longer than*");
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        var badB = () => SearchIndex.Open(TinyCorpus.Documents, _root.Options with { B = 1.5f });
        var badK = () => SearchIndex.Open(TinyCorpus.Documents, _root.Options with { TopK = 0 });

        badB.Should().Throw<ArgumentOutOfRangeException>();
        badK.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void The_default_cache_root_is_a_search_index_folder_under_the_gym_cache()
    {
        var root = SearchIndexOptions.DefaultCacheRoot();

        Path.GetFileName(root).Should().Be("search-index");
        var gymCache = Environment.GetEnvironmentVariable(SearchIndexOptions.CacheEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(gymCache))
        {
            root.Should().Be(Path.Combine(gymCache, "search-index"));
        }
        else
        {
            root.Should().EndWith(Path.Combine("gym", "search-index"));
        }
    }

    private FileStream HoldBuildLock(string key)
    {
        var locks = Path.Combine(_root.Path, ".locks");
        Directory.CreateDirectory(locks);
        return new FileStream(Path.Combine(locks, key + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
    }

    private static void Damage(string path, string damage)
    {
        string Single(string pattern) => Directory.GetFiles(path, pattern).Should().ContainSingle().Subject;

        switch (damage)
        {
            case "delete-marker":
                File.Delete(Path.Combine(path, Marker));
                break;
            case "garble-marker":
                File.WriteAllText(Path.Combine(path, Marker), "{\"format\": 1, \"key\": ");
                break;
            case "marker-other-key":
                var text = File.ReadAllText(Path.Combine(path, Marker));
                var key = Path.GetFileName(path);
                File.WriteAllText(Path.Combine(path, Marker), text.Replace(key, new string('0', 64), StringComparison.Ordinal));
                break;
            case "delete-segments":
                File.Delete(Single("segments_*"));
                break;
            case "delete-documents":
                File.Delete(Single("gym-docs.bin"));
                break;
            case "truncate-documents":
                Truncate(Single("gym-docs.bin"));
                break;
            case "truncate-terms":
                Truncate(Single("*.tim"));
                break;
            case "extend-postings":
                using (var stream = new FileStream(Single("*.doc"), FileMode.Append))
                {
                    stream.Write(new byte[16]);
                }

                break;
            case "garbage-in-documents":
                Overwrite(Single("gym-docs.bin"));
                break;
            case "garbage-in-offsets":
                Overwrite(Single("gym-docs.idx"));
                break;
            case "garbage-in-postings":
                Overwrite(Single("*.doc"));
                break;
            case "garbage-in-terms":
                Overwrite(Single("*.tim"));
                break;
            case "garbage-in-segments":
                Overwrite(Single("segments_*"));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, null);
        }
    }

    private static void Truncate(string file)
    {
        using var stream = new FileStream(file, FileMode.Open);
        stream.SetLength(stream.Length - 7);
    }

    /// <summary>Overwrites bytes in the middle of a file, keeping its length.</summary>
    private static void Overwrite(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        var length = stream.Length;
        var count = (int)Math.Min(8, length / 4);
        stream.Position = length / 2;
        var garbage = new byte[count];
        stream.ReadExactly(garbage);
        for (var i = 0; i < garbage.Length; i++)
        {
            garbage[i] ^= 0x5A;
        }

        stream.Position = length / 2;
        stream.Write(garbage);
    }
}
