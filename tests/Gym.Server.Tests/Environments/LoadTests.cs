using System.Diagnostics;
using System.Net.WebSockets;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace Gym.Server.Tests.Environments;

/// <summary>Many concurrent WebSocket sessions at once.</summary>
public sealed class LoadTests(ITestOutputHelper output)
{
    private const int Sessions = 512;
    private const int Steps = 20;

    [Fact]
    public async Task Five_hundred_twelve_websocket_sessions_take_twenty_steps_each_without_error()
    {
        await using var h = await ServerHarness.StartAsync();
        var clock = Stopwatch.StartNew();
        var sockets = await Task.WhenAll(Enumerable.Range(0, Sessions).Select(_ => h.ConnectAsync()));
        h.Server.Sessions.Count.Should().Be(Sessions);
        var connected = clock.Elapsed;

        var steps = await Task.WhenAll(sockets.Select((socket, i) => PlayAsync(socket, i))).WaitAsync(TimeSpan.FromSeconds(120));
        steps.Sum().Should().Be(Sessions * Steps);
        var played = clock.Elapsed;

        await Task.WhenAll(sockets.Select(async socket =>
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            socket.Dispose();
        }));
        (await ServerHarness.EventuallyAsync(() => h.Server.Sessions.Count == 0, TimeSpan.FromSeconds(20))).Should().BeTrue();
        h.Server.Metrics.Steps.Should().Be(Sessions * Steps);
        h.Log.Should().BeEmpty();
        output.WriteLine($"{Sessions} connections in {connected.TotalSeconds:0.00} s; {Sessions * Steps} steps in {(played - connected).TotalSeconds:0.00} s ({Sessions * Steps / (played - connected).TotalSeconds:0} steps/s)");
    }

    private static async Task<int> PlayAsync(WebSocket socket, int index)
    {
        var reset = await socket.RequestAsync($"{{\"type\": \"reset\", \"seed\": {index}}}");
        ((string)reset["type"]!).Should().Be("reset");
        var done = false;
        for (var step = 0; step < Steps; step++)
        {
            if (done)
            {
                await socket.RequestAsync($"{{\"type\": \"reset\", \"seed\": {index * 1000 + step}}}");
            }

            var action = step % 3 == 2 ? "<answer>4</answer>" : ServerHarness.CalculatorCall;
            var answer = await socket.RequestAsync($"{{\"type\": \"step\", \"action\": {WebSocketMessages.Escape(action)}}}");
            if (answer["error"] is not null)
            {
                Assert.Fail(answer.ToJsonString());
            }

            done = (bool)answer["terminated"]! || (bool)answer["truncated"]!;
        }

        return Steps;
    }
}
