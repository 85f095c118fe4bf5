using FluentAssertions;
using Gym.Core.Datasets;
using Gym.Core.Seeding;
using Xunit;

namespace Gym.Core.Tests.Datasets;

public sealed class DatasetOrderTests
{
    private static int[] Walk(DatasetPosition position, long runSeed, int episodes, int count) =>
        [.. Enumerable.Range(0, episodes).Select(k => position.Index(SeededRandom.EpisodeSeed(runSeed, k), count, "dataset/item"))];

    [Fact]
    public void Sequential_plays_question_i_mod_N()
    {
        Walk(new DatasetPosition(DatasetOrder.Sequential, 7), 7, 12, 5).Should().Equal(0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1);
    }

    [Fact]
    public void Shuffled_plays_every_question_once_per_pass_in_a_run_seeded_order()
    {
        var first = Walk(new DatasetPosition(DatasetOrder.Shuffled, 3), 3, 106, 53);
        var again = Walk(new DatasetPosition(DatasetOrder.Shuffled, 3), 3, 106, 53);
        var other = Walk(new DatasetPosition(DatasetOrder.Shuffled, 4), 4, 53, 53);

        first[..53].Should().BeEquivalentTo(Enumerable.Range(0, 53));
        first[53..].Should().BeEquivalentTo(Enumerable.Range(0, 53));
        first.Should().Equal(again);
        other.Should().NotEqual(first[..53]);
    }

    [Fact]
    public void Sample_is_the_seed_draw_it_always_was_and_repeats_questions()
    {
        var sample = Walk(DatasetPosition.Sample, 0, 53, 53);

        sample.Should().Equal(Enumerable.Range(0, 53).Select(k => SeededRandom.ForStream(SeededRandom.EpisodeSeed(0, k), "dataset/item").Next(53)));
        sample.Distinct().Count().Should().BeLessThan(53);
    }

    [Fact]
    public void Without_a_run_seed_an_ordered_dataset_draws_by_seed()
    {
        Walk(new DatasetPosition(DatasetOrder.Sequential, null), 0, 20, 9).Should().Equal(Walk(DatasetPosition.Sample, 0, 20, 9));
    }

    [Fact]
    public void The_episode_seed_is_the_runtime_derivation()
    {
        SeededRandom.EpisodeSeed(11, 5).Should().Be(SeededRandom.Derive(11, "episode", 5));
    }
}
