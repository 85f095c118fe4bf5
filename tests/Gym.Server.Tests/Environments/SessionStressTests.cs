using System.Diagnostics;
using FluentAssertions;
using Gym.Server.Protocol;
using Gym.Server.Sessions;
using Xunit;

namespace Gym.Server.Tests.Environments;

/// <summary>Many sessions stepped at once without the network: every step is answered.</summary>
public sealed class SessionStressTests
{
    [Fact]
    public async Task A_thousand_sessions_stepped_hot_all_answer()
    {
        await using var h = await ServerHarness.StartAsync(o => ServerHarness.WithSessions(o, new SessionManagerOptions { StepTimeout = TimeSpan.FromSeconds(10), IdleTimeout = TimeSpan.Zero }));
        var sessions = Enumerable.Range(0, 1024).ToList();
        using var start = new SemaphoreSlim(0);
        var ready = 0;
        var end = 0L;
        var loops = sessions.Select((_, i) => Task.Run(async () =>
        {
            var s = h.Server.Sessions.Create(ServerHarness.Arithmetic, new Dictionary<string, string>(), SessionTransport.Http);
            await s.ResetAsync(new ResetRequest(i, 0));
            Interlocked.Increment(ref ready);
            await start.WaitAsync();
            var n = 0;
            while (Stopwatch.GetTimestamp() < end)
            {
                var step = await s.StepAsync(new StepRequest(n % 3 == 2 ? "<answer>5</answer>" : ServerHarness.CalculatorCall));
                n++;
                if (step.Result.IsDone)
                {
                    await s.ResetAsync(new ResetRequest(i + (1000 * n), 0));
                }
            }

            h.Server.Sessions.Close(s, SessionCloseReason.Client);
            return n;
        })).ToList();
        await Task.Run(() => SpinWait.SpinUntil(() => Volatile.Read(ref ready) == sessions.Count, TimeSpan.FromSeconds(30)));
        end = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 2);
        start.Release(sessions.Count);
        var steps = await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(60));
        steps.Sum().Should().BePositive();
    }
}
