using System.Collections.Concurrent;

namespace Gym.Core.Policies;

/// <summary>
/// Routes each request to a policy built for that request's environment parameters, so a scripted
/// expert that regenerates tasks from the seed stays right when a curriculum changes the
/// parameters from one episode to the next. Requests without parameters go to the base policy.
/// </summary>
public sealed class ParameterRoutedPolicy : IPolicy
{
    private readonly IPolicy _base;
    private readonly Func<IReadOnlyDictionary<string, string>, IPolicy> _create;
    private readonly ConcurrentDictionary<string, IPolicy> _byParameters = new(StringComparer.Ordinal);

    /// <summary>Creates the router.</summary>
    /// <param name="basePolicy">Answers requests that carry no parameters; its id is this policy's id.</param>
    /// <param name="create">Builds the policy for a parameter set (called once per distinct set).</param>
    public ParameterRoutedPolicy(IPolicy basePolicy, Func<IReadOnlyDictionary<string, string>, IPolicy> create)
    {
        _base = basePolicy ?? throw new ArgumentNullException(nameof(basePolicy));
        _create = create ?? throw new ArgumentNullException(nameof(create));
    }

    /// <inheritdoc />
    public string Id => _base.Id;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<AgentAction>> ActAsync(IReadOnlyList<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.All(r => r.Parameters is null))
        {
            return await _base.ActAsync(requests, cancellationToken).ConfigureAwait(false);
        }

        // Keep batches per policy (model policies batch), then put answers back in request order.
        var actions = new AgentAction[requests.Count];
        foreach (var group in requests.Select((request, index) => (request, index)).GroupBy(x => PolicyFor(x.request)))
        {
            var batch = group.ToList();
            var answers = await group.Key.ActAsync([.. batch.Select(x => x.request)], cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                actions[batch[i].index] = answers[i];
            }
        }

        return actions;
    }

    private IPolicy PolicyFor(PolicyRequest request) => request.Parameters is not { } parameters
        ? _base
        : _byParameters.GetOrAdd(Key(parameters), _ => _create(parameters));

    private static string Key(IReadOnlyDictionary<string, string> parameters) =>
        string.Join('\n', parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}
