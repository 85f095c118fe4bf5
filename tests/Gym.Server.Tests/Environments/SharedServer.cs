using Xunit;

namespace Gym.Server.Tests.Environments;

/// <summary>One server for the tests of a class that need no special options.</summary>
public sealed class SharedServer : IAsyncLifetime
{
    private ServerHarness? _harness;

    public ServerHarness Harness => _harness ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _harness = await ServerHarness.StartAsync();

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }
}
