using System.Text.RegularExpressions;
using Gym.Core.Episodes;
using Gym.Core.Composition;
using Gym.Core.Datasets;
using Gym.Core.Policies;
using Gym.Core.Rewards;
using Gym.Core.Rewards.Components;

namespace Gym.Core.Registry;

/// <summary>How to build one registered environment and its expert policy.</summary>
/// <param name="Id">The id, <c>family/name-vN</c>.</param>
/// <param name="Description">One line for <c>gym list</c>.</param>
/// <param name="Parameters">The parameter names the factory understands, with a short description each.</param>
/// <param name="Create">Builds an environment from parameters.</param>
/// <param name="CreateExpert">Builds the expert scripted policy for the same parameters, if the task has one.</param>
public sealed record EnvironmentDescriptor(
    string Id,
    string Description,
    IReadOnlyDictionary<string, string> Parameters,
    Func<EnvironmentParameters, IEnvironment> Create,
    Func<EnvironmentParameters, ExpertSettings, IPolicy>? CreateExpert = null)
{
    /// <summary>
    /// The parameters whose values are file paths. A scenario resolves them against the folder of the
    /// file that wrote them and reports a missing file at its line and column.
    /// </summary>
    public IReadOnlySet<string> PathParameters { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}

/// <summary>An id that is not registered; the message suggests the nearest one.</summary>
public sealed class UnknownEnvironmentException(string message) : Exception(message), IUserError;

/// <summary>
/// What a Gym process can build: the environments that can be made by id (like Gymnasium's registry),
/// and the extensions modules bring with them — reward component kinds, episode-state keys and
/// scenario operators. A module registers everything it brings in one extension method
/// (<c>registry.AddToolUse()</c>); the scenario language, the JSON Schema, the docs tables, <c>gym list</c>
/// and the CLI all read the registry, so nothing else lists a module's parts.
/// </summary>
public sealed partial class EnvironmentRegistry
{
    private readonly SortedDictionary<string, EnvironmentDescriptor> _descriptors = new(StringComparer.Ordinal);
    private readonly List<string> _modules = [];

    /// <summary>The reward component kinds: the core's, then those modules registered.</summary>
    public RewardComponentRegistry Rewards { get; } = new();

    /// <summary>The episode-state keys milestone conditions and shaping potentials may read.</summary>
    public StateKeyCatalog StateKeys => Rewards.StateKeys;

    /// <summary>The scenario operators modules registered (the scenario language's own come on top).</summary>
    public OperatorRegistry Operators { get; } = new();

    /// <summary>The question-file formats a scenario's <c>task.dataset</c> may name, by extension.</summary>
    public QaDatasetFormats DatasetFormats { get; } = new();

    /// <summary>The modules added, in order.</summary>
    public IReadOnlyList<string> Modules => _modules;

    /// <summary>
    /// Records that a module is being added; a module's <c>Add…</c> extension calls it first, so adding
    /// one module twice is an error instead of a half-registered duplicate.
    /// </summary>
    public EnvironmentRegistry BeginModule(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_modules.Contains(name))
        {
            throw new ArgumentException($"module '{name}' is already added to this registry", nameof(name));
        }

        _modules.Add(name);
        return this;
    }

    [GeneratedRegex(@"^[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*-v[0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)+\z", RegexOptions.CultureInvariant)]
    private static partial Regex ScenarioIdPattern();

    /// <summary>The registered descriptors, by id.</summary>
    public IReadOnlyCollection<EnvironmentDescriptor> All => _descriptors.Values;

    /// <summary>Adds a descriptor; ids are <c>family/name-vN</c> and unique.</summary>
    public EnvironmentRegistry Register(EnvironmentDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (!IdPattern().IsMatch(descriptor.Id))
        {
            throw new ArgumentException($"environment id '{descriptor.Id}' must look like family/name-v0 (lower-case, digits and dashes)", nameof(descriptor));
        }

        if (!_descriptors.TryAdd(descriptor.Id, descriptor))
        {
            throw new ArgumentException($"environment id '{descriptor.Id}' is already registered", nameof(descriptor));
        }

        return this;
    }

    /// <summary>
    /// Adds a scenario loaded from YAML. Scenario ids are paths of lower-case segments
    /// (<c>memory/mem1-arith-4</c>) and need no version suffix, since the file is the version.
    /// </summary>
    public EnvironmentRegistry RegisterScenario(EnvironmentDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (!ScenarioIdPattern().IsMatch(descriptor.Id))
        {
            throw new ArgumentException($"scenario id '{descriptor.Id}' must be lower-case segments separated by '/', like tool-use/easy", nameof(descriptor));
        }

        if (!_descriptors.TryAdd(descriptor.Id, descriptor))
        {
            throw new ArgumentException($"scenario id '{descriptor.Id}' is already registered", nameof(descriptor));
        }

        return this;
    }

    /// <summary>Finds a descriptor or throws <see cref="UnknownEnvironmentException"/> with a suggestion.</summary>
    public EnvironmentDescriptor Get(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (_descriptors.TryGetValue(id, out var descriptor))
        {
            return descriptor;
        }

        var nearest = _descriptors.Keys.OrderBy(k => Suggestions.EditDistance(k, id)).ThenBy(k => k, StringComparer.Ordinal).FirstOrDefault();
        var hint = nearest is null ? "no environments are registered" : $"did you mean '{nearest}'? (gym list shows all)";
        throw new UnknownEnvironmentException($"unknown environment '{id}'; {hint}");
    }

    /// <summary>Creates an environment, which the caller owns and disposes; unknown or invalid parameters throw <see cref="EnvironmentParameterException"/>.</summary>
    public IEnvironment Make(string id, EnvironmentParameters? parameters = null)
    {
        var descriptor = Get(id);
        parameters ??= EnvironmentParameters.None;
        var environment = descriptor.Create(parameters);
        try
        {
            parameters.EnsureAllUsed(id, descriptor.Parameters.Keys);
        }
        catch
        {
            environment.Dispose();
            throw;
        }

        return environment;
    }

    /// <summary>Levenshtein distance, for "did you mean" hints.</summary>
    public static int EditDistance(string a, string b) => Suggestions.EditDistance(a, b);
}
