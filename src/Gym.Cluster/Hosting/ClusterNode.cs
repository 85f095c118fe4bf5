using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Gym.Cluster.Episodes;
using Gym.Cluster.Wire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gym.Cluster.Hosting;

/// <summary>
/// One Gym cluster node: a quiet Microsoft.Extensions.Hosting host running an actor system with
/// Akka.Remote and Akka.Cluster (through Akka.Remote.Hosting and Akka.Cluster.Hosting), the Gym wire
/// serializer, the split-brain resolver, and membership events for the version check. The episode
/// shard region is started only once the node has joined and passed that check, so a node of another
/// Gym version never receives an episode.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    /// <summary>The role of the node that plans runs and owns the policy and the sink.</summary>
    public const string HeadRole = "head";

    /// <summary>The role of nodes that host episode entities.</summary>
    public const string WorkerRole = "worker";

    /// <summary>The sharded entity type name of episodes.</summary>
    public const string EpisodeTypeName = "episode";

    /// <summary>The sharded entity type name of <c>gym serve</c> sessions.</summary>
    public const string SessionTypeName = "session";

    /// <summary>The actor system's name, which every node shares.</summary>
    public const string SystemName = "gym";

    private const int NumberOfShards = 64;

    private readonly IHost _host;
    private readonly Membership _membership;

    private ClusterNode(IHost host, ClusterNodeOptions options, Membership membership)
    {
        _host = host;
        Options = options;
        _membership = membership;
        System = host.Services.GetRequiredService<ActorSystem>();
        Cluster = Akka.Cluster.Cluster.Get(System);
        System.ActorOf(Props.Create(() => new MembershipActor(membership)), "gym-membership");
    }

    /// <summary>The node's settings.</summary>
    public ClusterNodeOptions Options { get; }

    /// <summary>The actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The cluster extension.</summary>
    public Akka.Cluster.Cluster Cluster { get; }

    /// <summary>This node's address as others reach it (<c>host:port</c>).</summary>
    public string Endpoint => $"{Cluster.SelfAddress.Host}:{Cluster.SelfAddress.Port}";

    /// <summary>Completes when a head of another Gym version has been seen (workers), with its version.</summary>
    public Task<string> HeadVersionMismatch => _membership.HeadMismatch.Task;

    /// <summary>Completes when the head has left the cluster gracefully, its run over (workers); a head lost to a crash or partition ends the node instead.</summary>
    public Task HeadGone => _membership.HeadGone.Task;

    /// <summary>Starts a node with <paramref name="roles"/>; a head (no seed nodes) founds the cluster on its own address.</summary>
    /// <param name="options">Where to listen and whom to join.</param>
    /// <param name="roles">The node's roles (<see cref="HeadRole"/>, <see cref="WorkerRole"/>).</param>
    /// <param name="refused">Told of each node the version check refuses (heads), as one line.</param>
    public static async Task<ClusterNode> StartAsync(ClusterNodeOptions options, IReadOnlyList<string> roles, Action<string>? refused = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(roles);
        var isHead = roles.Contains(HeadRole);
        var membership = new Membership(options.Version, isHead, refused);
        var seeds = options.SeedNodes.Count > 0
            ? options.SeedNodes.Select(s => ClusterNodeOptions.ParseEndpoint(s, "the head address")).Select(e => $"akka.tcp://{SystemName}@{e.Host}:{e.Port}").ToArray()
            : [$"akka.tcp://{SystemName}@{options.Hostname}:{options.Port}"];

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddAkka(SystemName, akka =>
        {
            akka.AddHocon(Hocon(options, options.LogLevel), HoconAddMode.Prepend);
            akka.WithRemoting(new RemoteOptions { HostName = options.Hostname, Port = options.Port, MaxFrameSize = 32 * 1024 * 1024 });
            akka.WithClustering(new ClusterOptions
            {
                Roles = [.. roles],
                SeedNodes = seeds,
                AppVersion = options.Version,
                SplitBrainResolver = options.Strategy == PartitionStrategy.KeepOldest
                    ? new KeepOldestOption { DownIfAlone = false }
                    : new KeepMajorityOption(),
            });
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new ClusterNode(host, options, membership);
    }

    /// <summary>
    /// Completes once this node is Up. Throws <see cref="ClusterJoinException"/> with the one line to
    /// show when it cannot join: the head is unreachable, or it runs another Gym version.
    /// </summary>
    public async Task WaitUntilUpAsync(CancellationToken cancellationToken)
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Cluster.RegisterOnMemberUp(() => up.TrySetResult());
        var cancelled = Task.Delay(Timeout.Infinite, cancellationToken);
        var first = await Task.WhenAny(up.Task, HeadVersionMismatch, System.WhenTerminated, cancelled).ConfigureAwait(false);
        if (first == HeadVersionMismatch || HeadVersionMismatch.IsCompleted)
        {
            throw MismatchError(await HeadVersionMismatch.ConfigureAwait(false));
        }

        if (first == System.WhenTerminated)
        {
            throw new ClusterJoinException(
                $"could not join the head at {string.Join(", ", Options.SeedNodes)} within {Options.JoinTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s: is 'gym run --cluster' running there, and is its port open to this machine?");
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>The error for a head of another version.</summary>
    public ClusterJoinException MismatchError(string headVersion) =>
        new($"the head at {string.Join(", ", Options.SeedNodes)} runs Gym {headVersion} but this node runs Gym {Options.Version}: every node of a cluster must run the same Gym version");

    /// <summary>Up members with the worker role other than this node, of this node's version.</summary>
    public int OtherWorkers() => Cluster.State.Members.Count(m =>
        m.Status == MemberStatus.Up && m.HasRole(WorkerRole) && !m.Address.Equals(Cluster.SelfAddress) && m.AppVersion.Version == Options.Version);

    /// <summary>Episode tries this node has started.</summary>
    public HostedEpisodes Hosted { get; } = new();

    /// <summary>Starts the episode shard region: this node hosts episode entities, which load environments from <paramref name="environments"/>.</summary>
    /// <param name="environments">Loads the episodes' environments.</param>
    /// <param name="hostsEpisodes">False for a head that leaves every episode to the workers (<c>--no-local-episodes</c>).</param>
    public Task<IActorRef> StartEpisodeRegionAsync(IEnvironmentSource environments, bool hostsEpisodes = true)
    {
        var settings = ClusterShardingSettings.Create(System).WithRole(WorkerRole);
        var sharding = ClusterSharding.Get(System);
        return sharding.StartAsync(
            EpisodeTypeName,
            _ => EpisodeEntityActor.Props(environments, Hosted),
            settings,
            new EpisodeMessageExtractor(NumberOfShards),
            new WorkerOnlyAllocationStrategy(excludeHead: !hostsEpisodes),
            StopEpisodeEntity.Instance);
    }

    /// <summary>
    /// Starts the server-session shard region: this node hosts <c>gym serve</c> sessions' environments,
    /// loaded from <paramref name="environments"/>. Shards never rebalance: a session's environment holds
    /// its episode's state, so moving it would lose the episode; new sessions go to the region with the
    /// fewest shards.
    /// </summary>
    /// <param name="environments">Loads the sessions' environments.</param>
    /// <param name="hostsSessions">False for a head that leaves every session to the workers (<c>--no-local-episodes</c>).</param>
    public Task<IActorRef> StartSessionRegionAsync(IEnvironmentSource environments, bool hostsSessions = true)
    {
        var settings = ClusterShardingSettings.Create(System).WithRole(WorkerRole);
        return ClusterSharding.Get(System).StartAsync(
            SessionTypeName,
            _ => Sessions.ServerSessionEntityActor.Props(environments),
            settings,
            new SessionMessageExtractor(NumberOfShards),
            new WorkerOnlyAllocationStrategy(excludeHead: !hostsSessions, rebalances: false),
            CloseServerSession.Instance);
    }

    /// <summary>
    /// Waits until <paramref name="workers"/> worker nodes host entities of <paramref name="region"/>'s
    /// type — their shard regions have registered with sharding's coordinator — reporting each change of the count.
    /// </summary>
    /// <remarks>
    /// A member that is merely up is not enough: until its sharding has started, the coordinator's
    /// writes of shard homes (distributed data, to every node of the worker role) wait for it, up to
    /// their 5 s timeout, and the first entities stall.
    /// </remarks>
    public async Task WaitForWorkersAsync(IActorRef region, int workers, Action<int> joined, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(region);
        ArgumentNullException.ThrowIfNull(joined);
        var last = -1;
        while (true)
        {
            var now = await HostingWorkersAsync(region, cancellationToken).ConfigureAwait(false);
            if (now != last)
            {
                joined(now);
                last = now;
            }

            if (now >= workers)
            {
                return;
            }

            // Membership changes are rare and a person is waiting: a short poll is simpler than a subscription here.
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Worker nodes (not this node) whose shard region of <paramref name="region"/>'s type the coordinator knows, and which are up.</summary>
    private async Task<int> HostingWorkersAsync(IActorRef region, CancellationToken cancellationToken)
    {
        var regions = await region.Ask<CurrentRegions>(GetCurrentRegions.Instance, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        var self = Cluster.SelfAddress;
        var up = Cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(WorkerRole) && m.AppVersion.Version == Options.Version)
            .Select(m => m.Address)
            .ToHashSet();
        return regions.Regions.Count(a => !a.Equals(self) && up.Contains(a));
    }

    /// <summary>Leaves the cluster gracefully (handing shards over), then stops the host.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!System.WhenTerminated.IsCompleted)
            {
                await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            // Leaving is a courtesy to the other nodes; the host still stops below.
        }
        finally
        {
            await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            _host.Dispose();
        }
    }

    private static string Hocon(ClusterNodeOptions options, string logLevel)
    {
        var seconds = (TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
        return $$"""
            akka {
              loglevel = {{logLevel}}
              stdout-loglevel = {{logLevel}}
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              coordinated-shutdown.run-by-clr-shutdown-hook = off
              coordinated-shutdown.terminate-actor-system = on
              # An episode waits on a round trip per step: send each message at once rather than
              # batching writes for up to 40 ms (DotNetty's default flush interval).
              remote.dot-netty.tcp.batching.enabled = false
              cluster {
                # A worker that cannot reach its head gives up instead of retrying for ever.
                shutdown-after-unsuccessful-join-seed-nodes = {{seconds(options.JoinTimeout)}}
                split-brain-resolver.stable-after = {{seconds(options.StableAfter)}}
                sharding {
                  # Shard homes live in distributed data (memory, replicated), not in a persistence journal on disk.
                  state-store-mode = ddata
                  remember-entities = off
                  # Only a handful of nodes: a new node may take shards soon after it joins.
                  rebalance-interval = 5s
                  passivate-idle-entity-after = off
                }
              }
            }
            {{GymWireSerializer.Hocon()}}
            """;
    }

    /// <summary>Entity id and shard of each sharded episode message.</summary>
    private sealed class EpisodeMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
    {
        public override string EntityId(object message) => message switch
        {
            PlayShardedEpisode play => play.EntityId,
            _ => null!,
        };
    }

    /// <summary>Entity id and shard of each sharded server-session message: the session id.</summary>
    private sealed class SessionMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
    {
        public override string EntityId(object message) => message switch
        {
            OpenServerSession open => open.SessionId,
            _ => null!,
        };
    }

    /// <summary>What membership events have told this node, shared with the actor that hears them.</summary>
    private sealed class Membership(string version, bool isHead, Action<string>? refused)
    {
        public string Version { get; } = version;

        public bool IsHead { get; } = isHead;

        public Action<string>? Refused { get; } = refused;

        public TaskCompletionSource<string> HeadMismatch { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource HeadGone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Enforces one Gym version per cluster: a head downs any member of another version (so sharding
    /// never allocates to it), and a worker that sees a head of another version reports it.
    /// </summary>
    private sealed class MembershipActor : ReceiveActor
    {
        private readonly HashSet<Address> _refused = [];
        private readonly Membership _membership;

        public MembershipActor(Membership membership)
        {
            _membership = membership;
            Receive<ClusterEvent.IMemberEvent>(OnMember);
        }

        protected override void PreStart() =>
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));

        protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

        private void OnMember(ClusterEvent.IMemberEvent @event)
        {
            var member = @event.Member;
            var cluster = Akka.Cluster.Cluster.Get(Context.System);
            if (@event is ClusterEvent.MemberRemoved removed && member.HasRole(HeadRole) && !_membership.IsHead)
            {
                // Only a head that left (Exiting) ended its run. When this node downs itself because
                // the head became unreachable, the shutting-down cluster reports every member removed
                // too, the head among them still Up: that is a lost head, reported by the termination.
                if (removed.PreviousStatus is MemberStatus.Exiting or MemberStatus.Leaving)
                {
                    _membership.HeadGone.TrySetResult();
                }

                return;
            }

            if (member.AppVersion.Version == _membership.Version || member.Address.Equals(cluster.SelfAddress))
            {
                return;
            }

            if (_membership.IsHead && @event is not ClusterEvent.MemberRemoved && _refused.Add(member.Address))
            {
                cluster.Down(member.Address);
                _membership.Refused?.Invoke($"refused node {member.Address.Host}:{member.Address.Port}: it runs Gym {member.AppVersion.Version}, this head runs Gym {_membership.Version}");
            }
            else if (!_membership.IsHead && member.HasRole(HeadRole))
            {
                _membership.HeadMismatch.TrySetResult(member.AppVersion.Version);
            }
        }
    }
}

/// <summary>A node could not join its cluster; the message is the one line to show.</summary>
public sealed class ClusterJoinException(string message) : Exception(message), Gym.Core.IUserError;
