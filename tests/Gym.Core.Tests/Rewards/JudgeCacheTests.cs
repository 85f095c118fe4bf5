using System.Text;
using FluentAssertions;
using Gym.Core.Rewards.Judging;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Rewards;

public sealed class JudgeCacheTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gym-judge-cache-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private string CachePath => Path.Combine(_directory, "judge.jsonl");

    [Fact]
    public async Task A_second_identical_request_is_served_from_the_cache()
    {
        await using var server = await FakeJudgeServer.StartAsync(r => "reply to " + r.User);
        using var cache = new JudgeCache();
        using var client = new JudgeClient(server.Endpoint(), cache);

        var first = await client.CompleteAsync("s", "u");
        var second = await client.CompleteAsync("s", "u");

        second.Should().Be(first);
        server.Requests.Should().Be(1);
        client.Requests.Should().Be(1);
        cache.Hits.Should().Be(1);
        cache.Misses.Should().Be(1);
        cache.Count.Should().Be(1);
    }

    [Fact]
    public async Task A_different_request_misses()
    {
        await using var server = await FakeJudgeServer.StartAsync(r => "reply to " + r.User);
        using var cache = new JudgeCache();
        using var client = new JudgeClient(server.Endpoint(), cache);
        using var otherModel = new JudgeClient(server.Endpoint("another-model"), cache);
        using var otherTemperature = new JudgeClient(server.Endpoint() with { Temperature = 0.7 }, cache);

        await client.CompleteAsync("s", "u");
        (await client.CompleteAsync("s", "v")).Should().Be("reply to v");
        await client.CompleteAsync("t", "u");
        await otherModel.CompleteAsync("s", "u");
        await otherTemperature.CompleteAsync("s", "u");

        server.Requests.Should().Be(5);
        cache.Hits.Should().Be(0);
        cache.Misses.Should().Be(5);
        cache.Count.Should().Be(5);
    }

    [Fact]
    public async Task A_file_cache_survives_a_new_instance_so_rescoring_sends_nothing()
    {
        await using var server = await FakeJudgeServer.StartAsync(r => "reply to " + r.User);
        using (var cache = new JudgeCache(CachePath))
        using (var client = new JudgeClient(server.Endpoint(), cache))
        {
            await client.CompleteAsync("s", "one");
            await client.CompleteAsync("s", "two");
        }

        File.ReadAllLines(CachePath).Should().HaveCount(2).And.AllSatisfy(line => line.Should().StartWith("{\"key\":\"").And.Contain("\"reply\":"));

        using var reloaded = new JudgeCache(CachePath);
        using var again = new JudgeClient(server.Endpoint(), reloaded);
        reloaded.Count.Should().Be(2);
        (await again.CompleteAsync("s", "two")).Should().Be("reply to two");
        (await again.CompleteAsync("s", "one")).Should().Be("reply to one");
        server.Requests.Should().Be(2);
        again.Requests.Should().Be(0);
        reloaded.Hits.Should().Be(2);
    }

    [Fact]
    public void A_torn_last_line_is_ignored_and_the_next_entry_starts_on_a_clean_line()
    {
        using (var cache = new JudgeCache(CachePath))
        {
            cache.Add("k1", "first");
            cache.Add("k2", "second");
        }

        File.AppendAllText(CachePath, "{\"key\":\"k3\",\"reply\":\"cut off mid-wri");

        using (var cache = new JudgeCache(CachePath))
        {
            cache.Count.Should().Be(2);
            cache.TryGet("k3", out _).Should().BeFalse();
            cache.Add("k4", "after the crash");
        }

        using var reloaded = new JudgeCache(CachePath);
        reloaded.Count.Should().Be(3);
        reloaded.TryGet("k4", out var reply).Should().BeTrue();
        reply.Should().Be("after the crash");
        File.ReadAllLines(CachePath).Should().HaveCount(3);
    }

    [Fact]
    public void A_complete_last_entry_without_its_newline_is_kept()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(CachePath, "{\"key\":\"k1\",\"reply\":\"one\"}\n{\"key\":\"k2\",\"reply\":\"two\"}");

        using (var cache = new JudgeCache(CachePath))
        {
            cache.Count.Should().Be(2);
            cache.Add("k3", "three");
        }

        using var reloaded = new JudgeCache(CachePath);
        reloaded.Count.Should().Be(3);
    }

    [Fact]
    public void A_corrupt_line_before_the_end_is_reported()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(CachePath, "{\"key\":\"k1\",\"reply\":\"one\"}\nnot json\n{\"key\":\"k2\",\"reply\":\"two\"}\n");

        var act = () => new JudgeCache(CachePath);

        act.Should().Throw<InvalidDataException>().WithMessage("*line 2*");
    }

    [Fact]
    public void Replies_with_newlines_and_unicode_round_trip()
    {
        const string reply = "line one\nline \"two\"\tünïcödé → Score: 7";
        using (var cache = new JudgeCache(CachePath))
        {
            cache.Add("k", reply);
        }

        using var reloaded = new JudgeCache(CachePath);
        reloaded.TryGet("k", out var read).Should().BeTrue();
        read.Should().Be(reply);
    }

    [Fact]
    public void The_first_reply_for_a_key_wins()
    {
        using var cache = new JudgeCache();

        cache.Add("k", "first").Should().BeTrue();
        cache.Add("k", "second").Should().BeFalse();

        cache.TryGet("k", out var reply).Should().BeTrue();
        reply.Should().Be("first");
    }

    [Fact]
    public void Concurrent_adds_are_all_persisted()
    {
        using (var cache = new JudgeCache(CachePath))
        {
            Parallel.For(0, 200, i =>
            {
                cache.Add($"k{i}", $"reply {i}");
                cache.TryGet($"k{(i * 7) % 200}", out _);
            });
            cache.Count.Should().Be(200);
            (cache.Hits + cache.Misses).Should().Be(200);
        }

        using var reloaded = new JudgeCache(CachePath);
        reloaded.Count.Should().Be(200);
    }

    [Fact]
    public void The_key_is_the_sha256_of_the_request_body()
    {
        JudgeCache.KeyOf(Encoding.UTF8.GetBytes("abc")).Should().Be("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
