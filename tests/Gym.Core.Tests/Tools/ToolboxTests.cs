using System.Diagnostics;
using System.Text.Json;
using FluentAssertions;
using Gym.Core.Tools;
using Gym.Testing;
using Xunit;

namespace Gym.Core.Tests.Tools;

public sealed class ToolboxTests
{
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(100);

    // For calls expected to finish: a loaded CI machine must not turn them into time-outs.
    private static readonly TimeSpan GenerousTimeout = TimeSpan.FromSeconds(10);

    private static ToolCall Call(string name, string argumentsJson = "{}") => new(name, JsonDocument.Parse(argumentsJson).RootElement.Clone());

    private static DelegateTool NoArguments(string name, Func<JsonElement, CancellationToken, ValueTask<ToolResult>> invoke) =>
        new(name, """{"type": "object", "properties": {}}""", invoke);

    [Fact]
    public async Task Runs_a_valid_call_and_returns_the_tool_result()
    {
        var echo = DelegateTool.Echo();
        var toolbox = new Toolbox([echo], TimeSpan.FromSeconds(5));

        var invocation = await toolbox.InvokeAsync(Call("echo", """{"text": "hello"}"""), CancellationToken.None);

        invocation.Result.Should().Be(ToolResult.Ok("hello"));
        invocation.Result.IsError.Should().BeFalse();
        invocation.Call.Name.Should().Be("echo");
        echo.Calls.Should().Be(1);
    }

    [Fact]
    public async Task Calls_an_inline_tool_on_the_callers_thread_and_others_on_the_pool()
    {
        var caller = Environment.CurrentManagedThreadId;
        int? inlineThread = null;
        var inline = new DelegateTool("inline", "{\"type\": \"object\"}", (_, _) =>
        {
            inlineThread = Environment.CurrentManagedThreadId;
            return ValueTask.FromResult(ToolResult.Ok("ok"));
        }) { RunsInline = true };
        var pooled = NoArguments("pooled", (_, _) => ValueTask.FromResult(ToolResult.Ok("ok")));
        var toolbox = new Toolbox([inline, pooled], TimeSpan.FromSeconds(5));

        var inlineCall = toolbox.InvokeAsync(Call("inline"), CancellationToken.None);
        inlineCall.IsCompletedSuccessfully.Should().BeTrue("an inline tool completes without a thread hop");
        inlineThread.Should().Be(caller);
        (await inlineCall).Result.Content.Should().Be("ok");

        var pooledResult = await toolbox.InvokeAsync(Call("pooled"), CancellationToken.None);
        pooledResult.Result.Content.Should().Be("ok");
    }

    [Fact]
    public async Task Passes_a_tool_level_failure_through_as_a_tool_error()
    {
        var toolbox = new Toolbox([NoArguments("picky", (_, _) => ValueTask.FromResult(ToolResult.Fail("bad input")))], GenerousTimeout);

        var invocation = await toolbox.InvokeAsync(Call("picky"), CancellationToken.None);

        invocation.Result.Should().Be(new ToolResult("bad input", ToolErrorKind.ToolError));
        invocation.Result.IsError.Should().BeTrue();
    }

    [Fact]
    public async Task An_unknown_tool_lists_the_available_ones_in_name_order()
    {
        var toolbox = new Toolbox([DelegateTool.Echo("zeta"), DelegateTool.Echo("alpha"), DelegateTool.Echo("mid")], GenerousTimeout);

        var invocation = await toolbox.InvokeAsync(Call("Alpha"), CancellationToken.None);

        invocation.Result.Error.Should().Be(ToolErrorKind.UnknownTool);
        invocation.Result.Content.Should().Be("unknown tool 'Alpha'; available tools: alpha, mid, zeta");
    }

    [Fact]
    public async Task Arguments_that_violate_the_schema_are_rejected_without_calling_the_tool()
    {
        var echo = DelegateTool.Echo();
        var toolbox = new Toolbox([echo], GenerousTimeout);

        var missing = await toolbox.InvokeAsync(Call("echo"), CancellationToken.None);
        var wrongType = await toolbox.InvokeAsync(Call("echo", """{"text": 5}"""), CancellationToken.None);
        var extra = await toolbox.InvokeAsync(Call("echo", """{"text": "a", "loud": true}"""), CancellationToken.None);
        var notObject = await toolbox.InvokeAsync(Call("echo", "[]"), CancellationToken.None);

        missing.Result.Should().Be(new ToolResult("invalid arguments for 'echo': arguments is missing the required parameter 'text'", ToolErrorKind.InvalidArguments));
        wrongType.Result.Content.Should().Be("invalid arguments for 'echo': parameter 'text' must be a string, not a number");
        extra.Result.Content.Should().Be("invalid arguments for 'echo': arguments has an unknown parameter 'loud' (known: text)");
        notObject.Result.Content.Should().Be("invalid arguments for 'echo': arguments must be an object, not an array");
        new[] { wrongType, extra, notObject }.Should().OnlyContain(i => i.Result.Error == ToolErrorKind.InvalidArguments);
        echo.Calls.Should().Be(0);
    }

    [Fact]
    public async Task A_tool_that_throws_gives_a_crashed_result()
    {
        var toolbox = new Toolbox(
        [
            NoArguments("async-boom", async (_, _) =>
            {
                await Task.Yield();
                throw new InvalidOperationException("kaboom");
            }),
            NoArguments("sync-boom", (_, _) => throw new FormatException("bad format")),
        ], GenerousTimeout);

        var asynchronous = await toolbox.InvokeAsync(Call("async-boom"), CancellationToken.None);
        var synchronous = await toolbox.InvokeAsync(Call("sync-boom"), CancellationToken.None);

        asynchronous.Result.Should().Be(new ToolResult("tool 'async-boom' failed: kaboom", ToolErrorKind.Crashed));
        synchronous.Result.Should().Be(new ToolResult("tool 'sync-boom' failed: bad format", ToolErrorKind.Crashed));
    }

    [Fact]
    public async Task A_tool_that_ignores_its_token_and_sleeps_times_out_within_the_limit()
    {
        // The tool sleeps far longer than the bound below, so only the deadline can end the call in
        // time; the bound is loose because a loaded test host may be slow to run the continuation.
        using var release = new CancellationTokenSource();
        var toolbox = new Toolbox([NoArguments("sleepy", async (_, _) =>
        {
            await Task.Delay(ToolHoldsFor, release.Token).ContinueWith(static _ => { }, TaskScheduler.Default);
            return ToolResult.Ok("too late");
        })], ShortTimeout);

        var clock = Stopwatch.StartNew();
        var invocation = await toolbox.InvokeAsync(Call("sleepy"), CancellationToken.None);
        clock.Stop();
        await release.CancelAsync();

        invocation.Result.Should().Be(new ToolResult("tool 'sleepy' timed out after 100 ms", ToolErrorKind.TimedOut));
        clock.Elapsed.Should().BeLessThan(ToolHoldsFor / 4);
    }

    // How long the tools of the timeout tests hold their call unless released: far beyond any
    // scheduling delay of a loaded machine, so "returned before this" can only mean "timed out".
    private static readonly TimeSpan ToolHoldsFor = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_tool_that_blocks_its_thread_without_ever_yielding_still_times_out()
    {
        // Blocks its thread (ignoring the token) until released, like synchronous CPU work or a blocking read.
        using var release = new ManualResetEventSlim();
        var toolbox = new Toolbox([NoArguments("blocking", (_, _) =>
        {
            release.Wait(ToolHoldsFor, CancellationToken.None);
            return ValueTask.FromResult(ToolResult.Ok("too late"));
        })], ShortTimeout);

        var clock = Stopwatch.StartNew();
        var invocation = await toolbox.InvokeAsync(Call("blocking"), CancellationToken.None);
        clock.Stop();
        release.Set();

        // Loose: the blocked tool holds a pool thread, and under a parallel test run the pool may be
        // slow to give the deadline's continuation another one.
        invocation.Result.Should().Be(new ToolResult("tool 'blocking' timed out after 100 ms", ToolErrorKind.TimedOut));
        clock.Elapsed.Should().BeLessThan(ToolHoldsFor / 4);
    }

    [Fact]
    public async Task A_tool_that_honours_its_token_is_cancelled_at_the_timeout_and_reported_as_timed_out()
    {
        var observed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var toolbox = new Toolbox([NoArguments("patient", async (_, token) =>
        {
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
            }
            catch (OperationCanceledException)
            {
                observed.TrySetResult(true);
                throw;
            }

            return ToolResult.Ok("never");
        })], ShortTimeout);

        var invocation = await toolbox.InvokeAsync(Call("patient"), CancellationToken.None);

        invocation.Result.Error.Should().Be(ToolErrorKind.TimedOut);
        (await observed.Task.WaitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue("the tool's own token is cancelled at the deadline");
    }

    [Fact]
    public async Task An_inline_tool_gets_a_live_deadline_token_on_every_call_and_times_out_at_each_deadline()
    {
        var cancelledAtStart = new List<bool>();
        var toolbox = new Toolbox([new DelegateTool("inline", "{\"type\": \"object\"}", async (arguments, token) =>
        {
            cancelledAtStart.Add(token.IsCancellationRequested);
            if (arguments.TryGetProperty("wait", out _))
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
            }
            else if (arguments.TryGetProperty("spin", out _))
            {
                // Synchronous work that polls its token, as a bounded inline tool would.
                while (!token.IsCancellationRequested)
                {
                    Thread.SpinWait(100);
                }

                token.ThrowIfCancellationRequested();
            }

            return ToolResult.Ok("ok");
        }) { RunsInline = true }], ShortTimeout);
        var timedOut = new ToolResult("tool 'inline' timed out after 100 ms", ToolErrorKind.TimedOut);

        for (var round = 0; round < 3; round++)
        {
            (await toolbox.InvokeAsync(Call("inline"), CancellationToken.None)).Result.Should().Be(ToolResult.Ok("ok"));
            // Longer than the deadline: a deadline re-armed for the last call must not fire on an idle toolbox.
            await Task.Delay(ShortTimeout * 2.5);
            (await toolbox.InvokeAsync(Call("inline"), CancellationToken.None)).Result.Should().Be(ToolResult.Ok("ok"));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            (await toolbox.InvokeAsync(Call("inline", "{\"wait\": true}"), CancellationToken.None)).Result.Should().Be(timedOut);
            (await toolbox.InvokeAsync(Call("inline", "{\"spin\": true}"), CancellationToken.None)).Result.Should().Be(timedOut);
            clock.Elapsed.Should().BeGreaterThanOrEqualTo(ShortTimeout * 1.9, "each call waits for its own deadline");
        }

        cancelledAtStart.Should().HaveCount(12).And.OnlyContain(cancelled => !cancelled, "every call starts with a token that is not cancelled");
    }

    [Fact]
    public async Task Each_toolbox_arms_its_own_deadline_for_inline_calls_on_a_shared_thread()
    {
        static DelegateTool Sleeper() => new("sleeper", "{\"type\": \"object\"}", (_, token) =>
        {
            Thread.Sleep(250);
            token.ThrowIfCancellationRequested();
            return ValueTask.FromResult(ToolResult.Ok("awake"));
        }) { RunsInline = true };
        var strict = new Toolbox([Sleeper()], ShortTimeout);
        var patient = new Toolbox([Sleeper()], TimeSpan.FromSeconds(30));

        for (var round = 0; round < 2; round++)
        {
            (await patient.InvokeAsync(Call("sleeper"), CancellationToken.None)).Result.Should().Be(ToolResult.Ok("awake"), "a 30 s deadline does not fire after 250 ms");
            (await strict.InvokeAsync(Call("sleeper"), CancellationToken.None)).Result.Error.Should().Be(ToolErrorKind.TimedOut, "a 100 ms deadline fires during 250 ms");
        }
    }

    [Fact]
    public async Task Caller_cancellation_of_an_inline_tool_propagates_as_OperationCanceledException()
    {
        var toolbox = new Toolbox([new DelegateTool("inline", "{\"type\": \"object\"}", async (_, token) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return ToolResult.Ok("never");
        }) { RunsInline = true }], TimeSpan.FromSeconds(30));
        using var caller = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        var invoke = async () => await toolbox.InvokeAsync(Call("inline"), caller.Token);

        await invoke.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task Caller_cancellation_propagates_as_OperationCanceledException()
    {
        using var release = new CancellationTokenSource();
        var toolbox = new Toolbox(
        [
            NoArguments("patient", async (_, token) =>
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
                return ToolResult.Ok("never");
            }),
            NoArguments("stubborn", async (_, _) =>
            {
                await Task.Delay(ToolHoldsFor, release.Token).ContinueWith(static _ => { }, TaskScheduler.Default);
                return ToolResult.Ok("never");
            }),
        ], TimeSpan.FromSeconds(30));

        foreach (var name in new[] { "patient", "stubborn" })
        {
            using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
            var clock = Stopwatch.StartNew();

            var invoke = () => toolbox.InvokeAsync(Call(name), cancellation.Token).AsTask();

            await invoke.Should().ThrowAsync<OperationCanceledException>($"cancelling the caller of '{name}' must not be turned into a result");
            clock.Elapsed.Should().BeLessThan(ToolHoldsFor / 4);
        }

        await release.CancelAsync();
    }

    [Fact]
    public void Rejects_duplicate_names_and_a_non_positive_timeout()
    {
        var duplicate = () => new Toolbox([DelegateTool.Echo("a"), DelegateTool.Echo("a")], ShortTimeout);
        var zero = () => new Toolbox([DelegateTool.Echo()], TimeSpan.Zero);

        duplicate.Should().Throw<ArgumentException>().WithMessage("two tools are named 'a'*");
        zero.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Lists_the_tools_in_name_order_and_describes_them_in_the_openai_function_shape()
    {
        var toolbox = new Toolbox([DelegateTool.Echo("zeta", "z"), DelegateTool.Echo("alpha", "a")], ShortTimeout);

        toolbox.Tools.Select(t => t.Name).Should().Equal("alpha", "zeta");
        toolbox.Timeout.Should().Be(ShortTimeout);
        using var described = JsonDocument.Parse(toolbox.DescribeAsJson());
        var first = described.RootElement[0];
        described.RootElement.GetArrayLength().Should().Be(2);
        first.GetProperty("type").GetString().Should().Be("function");
        first.GetProperty("function").GetProperty("name").GetString().Should().Be("alpha");
        first.GetProperty("function").GetProperty("description").GetString().Should().Be("test tool alpha");
        first.GetProperty("function").GetProperty("parameters").GetProperty("required")[0].GetString().Should().Be("a");
    }

    [Fact]
    public void A_call_serializes_its_arguments_compactly_and_defaults_to_an_empty_object()
    {
        Call("x", """{"a": 1}""").ArgumentsJson.Should().Be("""{"a": 1}""");
        new ToolCall("x", default).ArgumentsJson.Should().Be("{}");
    }
}
