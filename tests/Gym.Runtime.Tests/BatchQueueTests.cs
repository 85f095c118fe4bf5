using FluentAssertions;
using Gym.Runtime.Policies;
using Xunit;

namespace Gym.Runtime.Tests;

public sealed class BatchQueueTests
{
    [Fact]
    public void The_first_request_schedules_one_flush_and_later_ones_join_it()
    {
        var queue = new BatchQueue<int>(new PolicyGatewayOptions(MaxBatchSize: 4, MaxConcurrentBatches: 2));

        queue.Enqueue(1).Should().BeTrue();
        queue.FlushScheduled.Should().BeTrue();
        queue.Enqueue(2).Should().BeFalse();
        queue.Enqueue(3).Should().BeFalse();

        queue.Pending.Should().Be(3);
        queue.HasFullBatch.Should().BeFalse();
    }

    [Fact]
    public void Taking_a_batch_takes_the_requests_in_order_and_clears_the_flush()
    {
        var queue = new BatchQueue<int>(new PolicyGatewayOptions(MaxBatchSize: 4, MaxConcurrentBatches: 2));
        queue.Enqueue(1);
        queue.Enqueue(2);
        queue.Enqueue(3);

        var batches = queue.TakeBatches();

        batches.Should().ContainSingle().Which.Should().Equal(1, 2, 3);
        queue.Pending.Should().Be(0);
        queue.InFlight.Should().Be(1);
        queue.FlushScheduled.Should().BeFalse();
        queue.Enqueue(4).Should().BeTrue("a new request after a flush schedules the next one");
    }

    [Fact]
    public void Batches_never_exceed_the_size_and_calls_in_flight_never_exceed_the_limit()
    {
        var queue = new BatchQueue<int>(new PolicyGatewayOptions(MaxBatchSize: 3, MaxConcurrentBatches: 2));
        for (var i = 0; i < 10; i++)
        {
            queue.Enqueue(i);
        }

        queue.HasFullBatch.Should().BeTrue();
        var first = queue.TakeBatches();
        first.Should().HaveCount(2);
        first[0].Should().Equal(0, 1, 2);
        first[1].Should().Equal(3, 4, 5);
        queue.InFlight.Should().Be(2);
        queue.Pending.Should().Be(4);
        queue.HasFullBatch.Should().BeFalse("no call slot is free");
        queue.TakeBatches().Should().BeEmpty();

        queue.Completed();
        queue.InFlight.Should().Be(1);
        queue.HasFullBatch.Should().BeTrue();
        queue.TakeBatches().Should().ContainSingle().Which.Should().Equal(6, 7, 8);

        queue.Completed();
        queue.TakeBatches().Should().ContainSingle().Which.Should().Equal(9);
        queue.Pending.Should().Be(0);
        queue.InFlight.Should().Be(2);
    }

    [Fact]
    public void A_full_batch_does_not_schedule_a_flush_but_asks_for_an_immediate_one()
    {
        var queue = new BatchQueue<string>(new PolicyGatewayOptions(MaxBatchSize: 1));

        queue.Enqueue("only").Should().BeFalse();
        queue.FlushScheduled.Should().BeFalse();
        queue.HasFullBatch.Should().BeTrue();
        queue.TakeBatches().Should().ContainSingle().Which.Should().Equal("only");
    }

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(1, -1, 1)]
    [InlineData(1, 0, 0)]
    public void Invalid_gateway_options_are_rejected(int size, int waitMs, int concurrent)
    {
        var options = new PolicyGatewayOptions(size, TimeSpan.FromMilliseconds(waitMs), concurrent);

        options.Invoking(o => o.Validate()).Should().Throw<ArgumentException>();
    }
}
