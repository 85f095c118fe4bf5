using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Gym.Core;
using Gym.Core.Registry;
using Gym.Environments.ToolUse;
using Gym.Runtime.Facade;
using Gym.Server;
using Gym.Server.Protocol;
using Gym.Server.Sessions;

namespace Gym.Benchmarks;

/// <summary>
/// Suite 6: the environment server (gym serve) against the in-process facade. At each session
/// count, concurrent clients step the arithmetic task with the same fixed action cycle (two
/// calculator calls, then an answer) for a fixed time: over WebSocket, over HTTP (one session per
/// client, keep-alive), through a <see cref="VectorGym"/> with one slot per session (the baseline),
/// and directly on the environments. The server runs in this process on 127.0.0.1, so the clients'
/// JSON and socket work shares the CPU with the server's.
/// </summary>
internal sealed class ServerSuite(BenchOptions options)
{
    private const string EnvironmentId = ToolUseEnvironments.Arithmetic;
    private const string Call = "<tool_call>{\"name\": \"calculator\", \"arguments\": {\"expression\": \"2+3\"}}</tool_call>";
    private const string Answer = "<answer>5</answer>";
    private static readonly string StepJson = JsonSerializer.Serialize(new { action = Call });
    private static readonly string AnswerJson = JsonSerializer.Serialize(new { action = Answer });

    private enum Mode
    {
        Direct,
        VectorGym,
        Session,
        WebSocket,
        Http,
    }

    private sealed record Sample(long Steps, long Errors, double Seconds, List<double> LatenciesMicroseconds, Cost Cost)
    {
        public double StepsPerSecond => Steps / Seconds;
    }

    /// <summary>
    /// Starts every client loop at once and ends them all at one deadline. A deadline per loop, taken when the
    /// loop happened to start, let hot in-process loops that started late run on long after the others (the
    /// thread pool serves a worker's own queue first), which once stretched a 3 s measurement to a minute.
    /// </summary>
    private sealed class StartLine(int clients)
    {
        private readonly TaskCompletionSource _go = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _ready;
        private long _end;

        public TaskCompletionSource AllReady { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Running => Stopwatch.GetTimestamp() < Volatile.Read(ref _end);

        public Task ReadyAsync()
        {
            if (Interlocked.Increment(ref _ready) == clients)
            {
                AllReady.TrySetResult();
            }

            return _go.Task;
        }

        public void Go(TimeSpan duration)
        {
            Volatile.Write(ref _end, Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency));
            _go.TrySetResult();
        }
    }

    /// <summary>What one client loop measured.</summary>
    private sealed class LoopResult
    {
        public List<double> Latencies { get; } = new(4096);

        public long Steps { get; set; }

        public long Errors { get; set; }
    }

    private static string Name(Mode mode) => mode switch
    {
        Mode.Direct => "direct: environment.StepAsync (yield per step)",
        Mode.VectorGym => "facade: VectorGym.StepAsync (one slot per session)",
        Mode.Session => "server sessions without the network: Session.StepAsync",
        Mode.WebSocket => "server: WebSocket (one connection per session)",
        _ => "server: HTTP POST /sessions/{id}/step (keep-alive)",
    };

    public async Task<IReadOnlyList<ResultTable>> RunAsync()
    {
        var registry = new EnvironmentRegistry().AddToolUse();
        var sessions = options.ServerSessions;
        var serverOptions = new EnvironmentServerOptions
        {
            Port = 0,
            Sessions = new SessionManagerOptions { MaxSessions = (2 * sessions.Max()) + 16, IdleTimeout = TimeSpan.Zero },
        };
        await using var server = await EnvironmentServer.StartAsync(registry, [EnvironmentId], serverOptions).ConfigureAwait(false);
        await using var host = await BenchHost.StartAsync("gym-bench-server").ConfigureAwait(false);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler) { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(60) };
        var context = new Context(registry, host, server, http);
        var duration = TimeSpan.FromSeconds(options.ServerSeconds);
        var modes = Enum.GetValues<Mode>();

        IEnumerable<Mode> ModesAt(int count) => modes;

        Progress.Line($"server: warming up ({string.Join(", ", modes)} at {string.Join(", ", sessions)} sessions)");
        foreach (var count in sessions)
        {
            foreach (var mode in ModesAt(count))
            {
                await MeasureAsync(context, mode, count, TimeSpan.FromSeconds(0.5)).ConfigureAwait(false);
            }
        }

        var samples = new Dictionary<(Mode, int), List<Sample>>();
        for (var rep = 1; rep <= options.Repetitions; rep++)
        {
            foreach (var count in sessions)
            {
                foreach (var mode in ModesAt(count))
                {
                    Stats.FullGc();
                    var sample = await MeasureAsync(context, mode, count, duration).ConfigureAwait(false);
                    (samples.TryGetValue((mode, count), out var list) ? list : samples[(mode, count)] = []).Add(sample);
                    Progress.Failed($"server, {Name(mode)} at {count} sessions", sample.Errors);
                    sample.LatenciesMicroseconds.Sort();
                    Progress.Line($"server rep {rep}/{options.Repetitions}: {count,5} sessions {mode,-10} {Stats.Num(sample.StepsPerSecond),9} steps/s  p50 {Stats.Percentile(sample.LatenciesMicroseconds, 50),9:0.0} µs  p99 {Stats.Percentile(sample.LatenciesMicroseconds, 99),9:0.0} µs  {sample.Cost.CpuSeconds * 1e6 / Math.Max(1, sample.Steps),7:0.0} CPU µs/step  ({sample.Steps:N0} steps, {sample.Errors} errors)");
                }
            }
        }

        var table = new ResultTable(
            $"Environment server vs in-process facade: {EnvironmentId}, {options.ServerSeconds} s per measurement (median of {options.Repetitions})",
            "sessions", "mode", "steps/s", "vs facade", "p50 step µs", "p99 step µs", "CPU µs / step", "errors (all reps)");
        foreach (var count in sessions)
        {
            var facade = Stats.Median(samples[(Mode.VectorGym, count)].Select(s => s.StepsPerSecond));
            foreach (var mode in ModesAt(count))
            {
                var s = samples[(mode, count)];
                var stepsPerSecond = Stats.Median(s.Select(x => x.StepsPerSecond));
                table.Add(
                    Stats.Num(count),
                    Name(mode),
                    Stats.Num(stepsPerSecond),
                    $"{stepsPerSecond / facade * 100:0}%",
                    Stats.Num(Stats.Median(s.Select(x => Stats.Percentile(x.LatenciesMicroseconds, 50))), 1),
                    Stats.Num(Stats.Median(s.Select(x => Stats.Percentile(x.LatenciesMicroseconds, 99))), 1),
                    Stats.Num(Stats.Median(s.Select(x => x.Cost.CpuSeconds * 1e6 / Math.Max(1, x.Steps))), 1),
                    Stats.Num(s.Sum(x => x.Errors)));
            }
        }

        table.Note("every mode plays the same action cycle (calculator call, calculator call, answer) on episodes seeded per session; a finished episode is reset, and resets are neither counted nor timed as steps.");
        table.Note("step latency: WebSocket and HTTP from sending the request to parsing the answer, as a client sees it; direct: one StepAsync call; facade: one VectorGym.StepAsync call over every slot (a batch), so its latency is that of the slowest slot in the batch.");
        table.Note("server and clients share one process and the machine's cores: at high session counts the clients' JSON and socket work competes with the server's, so the server's own cost per step is lower than this table suggests. CPU µs / step = process CPU time / steps.");
        return [table];
    }

    private sealed record Context(EnvironmentRegistry Registry, BenchHost Host, EnvironmentServer Server, HttpClient Http);

    private static async Task<Sample> MeasureAsync(Context context, Mode mode, int sessions, TimeSpan duration)
    {
        var meter = new Meter();
        LoopResult[] results;
        if (mode == Mode.VectorGym)
        {
            results = [await VectorGymAsync(context, sessions, duration).ConfigureAwait(false)];
        }
        else
        {
            // Every client is ready (connected, reset) before the clock starts: only stepping is measured.
            var line = new StartLine(sessions);
            var loops = Enumerable.Range(0, sessions).Select(i => Task.Run(() => mode switch
            {
                Mode.Direct => DirectAsync(context, i, line),
                Mode.Session => SessionAsync(context, i, line),
                Mode.WebSocket => WebSocketAsync(context, i, line),
                _ => HttpAsync(context, i, line),
            })).ToArray();
            await line.AllReady.Task.WaitAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
            meter = new Meter();
            line.Go(duration);
            results = await Task.WhenAll(loops).ConfigureAwait(false);
        }

        var cost = meter.Stop();
        var latencies = new List<double>(results.Sum(r => r.Latencies.Count));
        foreach (var r in results)
        {
            latencies.AddRange(r.Latencies);
        }

        return new Sample(results.Sum(r => r.Steps), results.Sum(r => r.Errors), cost.WallSeconds, latencies, cost);
    }

    private static async Task<LoopResult> DirectAsync(Context context, int index, StartLine line)
    {
        var result = new LoopResult();
        var environment = context.Registry.Make(EnvironmentId);
        var episode = 0;
        await environment.ResetAsync(SeedOf(index, episode)).ConfigureAwait(false);
        await line.ReadyAsync().ConfigureAwait(false);
        var turn = 0;
        while (line.Running)
        {
            // Interleave the clients as the server's sessions are, instead of running each loop to its end.
            await Task.Yield();
            var t0 = Stopwatch.GetTimestamp();
            var step = await environment.StepAsync(turn % 3 == 2 ? Answer : Call).ConfigureAwait(false);
            result.Latencies.Add(Stats.TicksToMicroseconds(Stopwatch.GetTimestamp() - t0));
            result.Steps++;
            turn++;
            if (step.IsDone)
            {
                await environment.ResetAsync(SeedOf(index, ++episode)).ConfigureAwait(false);
                turn = 0;
            }
        }

        return result;
    }

    private static async Task<LoopResult> SessionAsync(Context context, int index, StartLine line)
    {
        var result = new LoopResult();
        var sessions = context.Server.Sessions;
        var session = sessions.Create(EnvironmentId, new Dictionary<string, string>(), SessionTransport.Http);
        var episode = 0;
        await session.ResetAsync(new ResetRequest(SeedOf(index, episode), 0)).ConfigureAwait(false);
        await line.ReadyAsync().ConfigureAwait(false);
        var call = new StepRequest(Call);
        var answer = new StepRequest(Answer);
        var turn = 0;
        while (line.Running)
        {
            // As in the direct mode: without I/O a loop would otherwise keep its thread to itself.
            await Task.Yield();
            var t0 = Stopwatch.GetTimestamp();
            var step = await session.StepAsync(turn % 3 == 2 ? answer : call).ConfigureAwait(false);
            result.Latencies.Add(Stats.TicksToMicroseconds(Stopwatch.GetTimestamp() - t0));
            result.Steps++;
            turn++;
            if (step.Result.IsDone)
            {
                await session.ResetAsync(new ResetRequest(SeedOf(index, ++episode), 0)).ConfigureAwait(false);
                turn = 0;
            }
        }

        sessions.Close(session, SessionCloseReason.Client);
        return result;
    }

    private static async Task<LoopResult> VectorGymAsync(Context context, int sessions, TimeSpan duration)
    {
        var result = new LoopResult();
        await using var gym = VectorGym.Create(context.Host.System, context.Registry, EnvironmentId, sessions);
        await gym.ResetAsync(SeedOf(0, 0)).ConfigureAwait(false);
        var turns = new int[sessions];
        var actions = new AgentAction[sessions];
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end)
        {
            for (var i = 0; i < sessions; i++)
            {
                actions[i] = turns[i] % 3 == 2 ? Answer : Call;
            }

            var t0 = Stopwatch.GetTimestamp();
            var steps = await gym.StepAsync(actions).ConfigureAwait(false);
            result.Latencies.Add(Stats.TicksToMicroseconds(Stopwatch.GetTimestamp() - t0));
            for (var i = 0; i < sessions; i++)
            {
                if (steps[i].AutoReset)
                {
                    turns[i] = 0;
                }
                else
                {
                    result.Steps++;
                    turns[i]++;
                }
            }
        }

        return result;
    }

    private static async Task<LoopResult> WebSocketAsync(Context context, int index, StartLine line)
    {
        var result = new LoopResult();
        using var socket = new ClientWebSocket();
        var buffer = new byte[64 * 1024];
        await socket.ConnectAsync(new Uri($"{context.Server.WebSocketUrl}?env_id={EnvironmentId}"), CancellationToken.None).ConfigureAwait(false);
        var episode = 0;
        await RequestAsync(socket, buffer, $"{{\"type\": \"reset\", \"seed\": {SeedOf(index, episode)}}}").ConfigureAwait(false);
        await line.ReadyAsync().ConfigureAwait(false);
        var step = Encoding.UTF8.GetBytes($"{{\"type\": \"step\", {StepJson[1..]}");
        var answer = Encoding.UTF8.GetBytes($"{{\"type\": \"step\", {AnswerJson[1..]}");
        var turn = 0;
        while (line.Running)
        {
            var t0 = Stopwatch.GetTimestamp();
            await socket.SendAsync(turn % 3 == 2 ? answer : step, WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
            var done = IsDone(await ReceiveAsync(socket, buffer).ConfigureAwait(false), result);
            result.Latencies.Add(Stats.TicksToMicroseconds(Stopwatch.GetTimestamp() - t0));
            result.Steps++;
            turn++;
            if (done)
            {
                await RequestAsync(socket, buffer, $"{{\"type\": \"reset\", \"seed\": {SeedOf(index, ++episode)}}}").ConfigureAwait(false);
                turn = 0;
            }
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    private static async Task<LoopResult> HttpAsync(Context context, int index, StartLine line)
    {
        var result = new LoopResult();
        var http = context.Http;
        using var created = await http.PostAsync(new Uri("/sessions", UriKind.Relative), Json("{}")).ConfigureAwait(false);
        using var session = JsonDocument.Parse(await created.Content.ReadAsByteArrayAsync().ConfigureAwait(false));
        var id = session.RootElement.GetProperty("session_id").GetString();
        var stepUri = new Uri($"/sessions/{id}/step", UriKind.Relative);
        var resetUri = new Uri($"/sessions/{id}/reset", UriKind.Relative);
        var episode = 0;
        (await http.PostAsync(resetUri, Json($"{{\"seed\": {SeedOf(index, episode)}}}")).ConfigureAwait(false)).Dispose();
        await line.ReadyAsync().ConfigureAwait(false);
        var turn = 0;
        while (line.Running)
        {
            var t0 = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync(stepUri, Json(turn % 3 == 2 ? AnswerJson : StepJson)).ConfigureAwait(false);
            var done = IsDone(await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false), result);
            result.Latencies.Add(Stats.TicksToMicroseconds(Stopwatch.GetTimestamp() - t0));
            result.Steps++;
            turn++;
            if (done)
            {
                (await http.PostAsync(resetUri, Json($"{{\"seed\": {SeedOf(index, ++episode)}}}")).ConfigureAwait(false)).Dispose();
                turn = 0;
            }
        }

        (await http.DeleteAsync(new Uri($"/sessions/{id}", UriKind.Relative)).ConfigureAwait(false)).Dispose();
        return result;
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static long SeedOf(int session, int episode) => (session * 100_000L) + episode;

    /// <summary>Parses a step answer as a client would; an error answer counts as an error and ends the episode.</summary>
    private static bool IsDone(ReadOnlyMemory<byte> json, LoopResult result)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.TryGetProperty("error", out _))
        {
            result.Errors++;
            return true;
        }

        return root.GetProperty("terminated").GetBoolean() || root.GetProperty("truncated").GetBoolean();
    }

    private static async Task RequestAsync(ClientWebSocket socket, byte[] buffer, string json)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
        await ReceiveAsync(socket, buffer).ConfigureAwait(false);
    }

    private static async Task<ReadOnlyMemory<byte>> ReceiveAsync(ClientWebSocket socket, byte[] buffer)
    {
        var length = 0;
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).ConfigureAwait(false);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException("the server closed the connection");
            }

            length += received.Count;
            if (received.EndOfMessage)
            {
                return buffer.AsMemory(0, length);
            }
        }
    }
}
