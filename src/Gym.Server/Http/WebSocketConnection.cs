using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Gym.Server.Protocol;
using Gym.Server.Sessions;
using Microsoft.AspNetCore.Http;

namespace Gym.Server.Http;

/// <summary>
/// One WebSocket connection, which is one session: messages are read one at a time, answered in
/// order, and the session is closed when the connection ends for any reason. When the server closes
/// the session first (idle expiry, shutdown, a step timeout) it sends a close frame saying why.
/// </summary>
internal sealed class WebSocketConnection : IDisposable
{
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly WebSocket _socket;
    private readonly Session _session;
    private readonly SessionManager _sessions;
    private readonly int _maxMessageBytes;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Action<string> _log;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WebSocketConnection(WebSocket socket, Session session, SessionManager sessions, int maxMessageBytes, Action<string> log)
    {
        _socket = socket;
        _session = session;
        _sessions = sessions;
        _maxMessageBytes = maxMessageBytes;
        _log = log;
    }

    /// <summary>
    /// Opens the session before accepting the upgrade, so that a full server (503), an unknown
    /// environment or bad parameters (400) are plain HTTP answers the client can read.
    /// </summary>
    public static async Task AcceptAsync(HttpContext context, SessionManager sessions, EnvironmentServerOptions options, Action<string> log)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            throw new ServerErrorException(ServerError.NotWebSocket);
        }

        var query = context.Request.Query;
        if (query.Keys.FirstOrDefault(k => k is not ("env_id" or "param")) is { } unknown)
        {
            throw new ServerErrorException(ServerError.InvalidRequest($"unknown query parameter '{unknown}'; expected 'env_id' and 'param' (key=value, repeatable)"));
        }

        var parameters = RequestParser.ParsePairs(query["param"].Select(p => p ?? string.Empty));
        var environmentId = query["env_id"] is { Count: > 0 } ids ? ids[0] : null;
        var session = sessions.Create(environmentId, parameters, SessionTransport.WebSocket);
        WebSocket socket;
        try
        {
            socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        }
        catch
        {
            sessions.Close(session, SessionCloseReason.Disconnected);
            throw;
        }

        using (socket)
        using (var connection = new WebSocketConnection(socket, session, sessions, options.MaxBodyBytes, log))
        {
            await connection.RunAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _sendLock.Dispose();

    private async Task RunAsync(CancellationToken aborted)
    {
        var reason = SessionCloseReason.Client;
        using var registration = _session.Closed.Register(() => _ = CloseFromServerAsync());
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var (message, length, ended) = await ReceiveAsync(buffer, aborted).ConfigureAwait(false);
                buffer = message;
                if (ended)
                {
                    break;
                }

                if (length > _maxMessageBytes)
                {
                    await SendErrorAsync(ServerError.MessageTooLarge(_maxMessageBytes), default).ConfigureAwait(false);
                    await CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too large").ConfigureAwait(false);
                    break;
                }

                await AnswerAsync(buffer.AsMemory(0, length)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            reason = SessionCloseReason.Disconnected;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _sessions.Close(_session, reason);
            _ended.TrySetResult();
        }
    }

    /// <summary>
    /// Reads one whole message into <paramref name="buffer"/> (grown from the pool as needed); past the
    /// limit the rest is read and dropped, and the length reports the overflow.
    /// </summary>
    private async Task<(byte[] Buffer, int Length, bool Ended)> ReceiveAsync(byte[] buffer, CancellationToken aborted)
    {
        var length = 0;
        while (true)
        {
            if (length == buffer.Length && length <= _maxMessageBytes)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _maxMessageBytes + 1));
                buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }

            var target = length < buffer.Length ? buffer.AsMemory(length) : buffer.AsMemory(0);
            var result = await _socket.ReceiveAsync(target, aborted).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    await CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "session closed").ConfigureAwait(false);
                }

                return (buffer, 0, true);
            }

            // Once over the limit, keep counting but overwrite the start of the buffer: the message is rejected anyway.
            length += result.Count;
            if (result.EndOfMessage)
            {
                return (buffer, length, false);
            }
        }
    }

    private async Task AnswerAsync(ReadOnlyMemory<byte> text)
    {
        JsonElement id = default;
        try
        {
            var message = RequestParser.ParseMessage(text);
            id = message.Id;
            switch (message.Type)
            {
                case MessageType.Reset:
                    var reset = await _session.ResetAsync(message.Reset!).ConfigureAwait(false);
                    await SendAsync(w => ResponseWriter.Reset(w, reset, id)).ConfigureAwait(false);
                    break;
                case MessageType.Step:
                    var step = await _session.StepAsync(message.Step!).ConfigureAwait(false);
                    await SendAsync(w => ResponseWriter.Step(w, step, id)).ConfigureAwait(false);
                    break;
                case MessageType.State:
                    var state = await _session.StateAsync().ConfigureAwait(false);
                    await SendAsync(w => ResponseWriter.State(w, state, id)).ConfigureAwait(false);
                    break;
                default:
                    await SendAsync(w => ResponseWriter.Closed(w, _session.Id, SessionCloseReason.Client, id)).ConfigureAwait(false);
                    // Closing the session sends the close frame (CloseFromServerAsync); the client's answer ends the loop.
                    _sessions.Close(_session, SessionCloseReason.Client);
                    break;
            }
        }
        catch (ServerErrorException ex)
        {
            if (id.ValueKind == JsonValueKind.Undefined)
            {
                id = RequestParser.TryReadId(text);
            }

            await SendErrorAsync(ex.Error, id).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A client gets a JSON error, never a stack trace; the log gets the details.
        catch (Exception ex) when (ex is not (WebSocketException or OperationCanceledException or IOException))
#pragma warning restore CA1031
        {
            _log($"gym serve: unexpected failure in WebSocket session {_session.Id}: {ex}");
            await SendErrorAsync(ServerError.Internal, id).ConfigureAwait(false);
        }
    }

    private Task SendErrorAsync(ServerError error, JsonElement id)
    {
        _sessions.Metrics.Error(error.Code);
        return SendAsync(w => ResponseWriter.Error(w, error, asMessage: true, id));
    }

    private async Task SendAsync(Action<Utf8JsonWriter> write)
    {
        var bytes = ResponseWriter.ToBytes(write);
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task CloseOutputAsync(WebSocketCloseStatus status, string description)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(CloseHandshakeTimeout);
                await _socket.CloseOutputAsync(status, description, timeout.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>The session was closed by the server (or by the client's close message): tell the client why, then let it hang up.</summary>
    private async Task CloseFromServerAsync()
    {
        var (status, description) = _session.CloseReason switch
        {
            SessionCloseReason.Expired => (WebSocketCloseStatus.PolicyViolation, "idle timeout"),
            SessionCloseReason.Shutdown => (WebSocketCloseStatus.EndpointUnavailable, "server shutting down"),
            SessionCloseReason.Timeout => (WebSocketCloseStatus.InternalServerError, "environment timed out"),
            _ => (WebSocketCloseStatus.NormalClosure, "session closed"),
        };
        try
        {
            await CloseOutputAsync(status, description).ConfigureAwait(false);
            if (await Task.WhenAny(_ended.Task, Task.Delay(CloseHandshakeTimeout)).ConfigureAwait(false) != _ended.Task)
            {
                // The client never answered the close frame: hang up.
                _socket.Abort();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The connection is already gone; the receive loop has seen it too.
        }
    }
}
