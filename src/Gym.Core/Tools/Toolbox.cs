using System.Text.Json;

namespace Gym.Core.Tools;

/// <summary>
/// The tools offered in an episode, and the one place tool calls are executed: it resolves the
/// name, validates arguments against the schema, enforces the per-call timeout and turns every
/// failure into an error result. Only cancellation requested by the caller propagates.
/// </summary>
public sealed class Toolbox
{
    private readonly Dictionary<string, ITool> _tools;

    // Read-only, boxed once: asked for at every reset (the parser, the system prompt's cache key).
    private readonly IReadOnlyList<ITool> _sorted;

    /// <summary>Creates a toolbox; tool names must be unique.</summary>
    public Toolbox(IEnumerable<ITool> tools, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(tools);
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "the per-call tool timeout must be positive");
        }

        _tools = new Dictionary<string, ITool>(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            if (!_tools.TryAdd(tool.Name, tool))
            {
                throw new ArgumentException($"two tools are named '{tool.Name}'", nameof(tools));
            }
        }

        Timeout = timeout;
        _sorted = System.Collections.Immutable.ImmutableArray.CreateRange(_tools.Values.OrderBy(t => t.Name, StringComparer.Ordinal));
    }

    /// <summary>The per-call time limit.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The tools, in name order.</summary>
    public IReadOnlyList<ITool> Tools => _sorted;

    /// <summary>Runs one call and never throws, except <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.</summary>
    public async ValueTask<ToolInvocation> InvokeAsync(ToolCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!_tools.TryGetValue(call.Name, out var tool))
        {
            var known = string.Join(", ", _tools.Keys.Order(StringComparer.Ordinal));
            return new(call, new ToolResult($"unknown tool '{call.Name}'; available tools: {known}", ToolErrorKind.UnknownTool));
        }

        var schemaError = JsonSchemaValidator.Validate(tool.ParametersSchema, call.Arguments);
        if (schemaError is not null)
        {
            return new(call, new ToolResult($"invalid arguments for '{call.Name}': {schemaError}", ToolErrorKind.InvalidArguments));
        }

        if (tool.RunsInline)
        {
            return await InvokeInlineAsync(tool, call, cancellationToken).ConfigureAwait(false);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {

            // Start the tool on the thread pool: a tool that blocks its thread before returning (synchronous
            // CPU work, a blocking read) would otherwise hold the caller past the deadline, which an inline
            // fast path for synchronously completing tools cannot prevent.
            var pending = Task.Run(() => tool.InvokeAsync(call.Arguments, timeout.Token).AsTask(), CancellationToken.None);
            // A tool that ignores its token must not hold the episode: race it against the deadline.
            var finished = await Task.WhenAny(pending, Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, timeout.Token)).ConfigureAwait(false);
            if (finished != pending)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _ = pending.ContinueWith(static t => t.Exception, TaskScheduler.Default);
                return new(call, TimedOut(call.Name));
            }

            return new(call, await pending.ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(call, TimedOut(call.Name));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new(call, new ToolResult($"tool '{call.Name}' failed: {ex.Message}", ToolErrorKind.Crashed));
        }
    }

    // An inline call (a calculator: microseconds) gets the same deadline token as any other, but a
    // caller that cannot cancel would otherwise pay a linked source, a timer and its registration
    // per call for a deadline that never fires. One source per thread (a toolbox lives one episode)
    // is re-armed instead, taken off the thread while a call uses it and only put back when
    // TryReset proves its deadline never fired; a call with a cancellable caller token builds a
    // linked source, as before.
    [ThreadStatic]
    private static CancellationTokenSource? t_inlineDeadline;

    private async ValueTask<ToolInvocation> InvokeInlineAsync(ITool tool, ToolCall call, CancellationToken cancellationToken)
    {
        var reused = !cancellationToken.CanBeCanceled ? t_inlineDeadline ?? new CancellationTokenSource() : null;
        if (reused is not null)
        {
            t_inlineDeadline = null;
        }

        var timeout = reused ?? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var inline = tool.InvokeAsync(call.Arguments, timeout.Token);
            return new(call, inline.IsCompletedSuccessfully ? inline.Result : await inline.ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(call, TimedOut(call.Name));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new(call, new ToolResult($"tool '{call.Name}' failed: {ex.Message}", ToolErrorKind.Crashed));
        }
        finally
        {
            // TryReset stops the timer and fails if it ever fired, so a source put back is never cancelled.
            if (reused is not null && reused.TryReset())
            {
                t_inlineDeadline = reused;
            }
            else
            {
                timeout.Dispose();
            }
        }
    }

    /// <summary>Describes the tools as a JSON array in the OpenAI function-tool shape, for prompts.</summary>
    public string DescribeAsJson()
    {
        var described = Tools.Select(t => new
        {
            type = "function",
            function = new { name = t.Name, description = t.Description, parameters = t.ParametersSchema },
        });
        return JsonSerializer.Serialize(described, PromptJson);
    }

    // Prompts are read by models, not browsers: keep '+', '<' and quotes literal.
    private static readonly JsonSerializerOptions PromptJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private ToolResult TimedOut(string name) =>
        new($"tool '{name}' timed out after {Timeout.TotalMilliseconds:0} ms", ToolErrorKind.TimedOut);
}
