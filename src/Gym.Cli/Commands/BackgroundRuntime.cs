using Gym.Core.Registry;
using Gym.Runtime.Hosting;
using Gym.Runtime.Policies;

namespace Gym.Cli.Commands;

/// <summary>
/// The actor runtime of <c>gym run</c>, started on a pool thread while the command does the rest of its
/// start-up (the tokenizer's load, the output file). <see cref="TakeAsync"/> hands the started host to the
/// caller; a host never taken (the command failed first) is stopped on <see cref="DisposeAsync"/>.
/// </summary>
internal sealed class BackgroundRuntime : IAsyncDisposable
{
    private readonly Task<GymRuntimeHost> _starting;
    private bool _taken;

    private BackgroundRuntime(Task<GymRuntimeHost> starting) => _starting = starting;

    /// <summary>Starts building and starting the host; returns at once.</summary>
    public static BackgroundRuntime Start(EnvironmentRegistry registry, PolicyGatewayOptions gateway) =>
        // Task.Run: StartAsync builds the host and the actor system synchronously before its first await.
        new(Task.Run(() => GymRuntimeHost.StartAsync(registry, options => options.Gateway = gateway)));

    /// <summary>Waits for the host to be started and gives it to the caller, who disposes it.</summary>
    public async Task<GymRuntimeHost> TakeAsync()
    {
        var host = await _starting.ConfigureAwait(false);
        _taken = true;
        return host;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_taken)
        {
            return;
        }

        try
        {
            await (await _starting.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The command is already failing with its own error, which says more than a host that did not start.
        }
    }
}
