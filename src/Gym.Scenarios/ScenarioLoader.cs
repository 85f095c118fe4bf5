using Gym.Core.Files;
using Gym.Core.Registry;
using Gym.Scenarios.Schema;
using Gym.Scenarios.Yaml;

namespace Gym.Scenarios;

/// <summary>
/// Loads a scenario file: reads it and the files it <c>extends</c>, merges them, validates the result
/// against <see cref="ScenarioSchema"/> and binds it to a <see cref="ScenarioSpec"/>. Never throws for bad
/// input: every problem of every file comes back as a located <see cref="ScenarioError"/>.
/// </summary>
public static class ScenarioLoader
{
    /// <summary>Loads and validates the scenario at <paramref name="path"/>.</summary>
    /// <param name="path">The scenario file; errors name files relative to the way this path is written.</param>
    public static ScenarioLoadResult Load(string path) => Load(path, registry: null);

    /// <summary>
    /// Loads and validates the scenario at <paramref name="path"/>; with a <paramref name="registry"/>, also
    /// checks that task environments are registered and that their parameter names exist.
    /// </summary>
    /// <param name="path">The scenario file; errors name files relative to the way this path is written.</param>
    /// <param name="registry">The registered environments, or <see langword="null"/> to check only the shape of environment ids.</param>
    public static ScenarioLoadResult Load(string path, EnvironmentRegistry? registry) => Load(path, registry, ScenarioLimits.Default, CancellationToken.None);

    /// <summary>
    /// Loads and validates the scenario at <paramref name="path"/> within <paramref name="limits"/> (nesting depth,
    /// file size, error count); with a <paramref name="registry"/>, also checks that task environments are
    /// registered and that their parameter names exist.
    /// </summary>
    /// <param name="path">The scenario file; errors name files relative to the way this path is written.</param>
    /// <param name="registry">The registered environments, or <see langword="null"/> to check only the shape of environment ids.</param>
    /// <param name="limits">The limits the load works within.</param>
    /// <param name="cancellation">Stops a read of the file or its bases (Ctrl+C while a slow file system answers).</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public static ScenarioLoadResult Load(string path, EnvironmentRegistry? registry, ScenarioLimits limits, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(limits);
        var errors = new ErrorSink(limits.MaxErrors);
        if (string.IsNullOrWhiteSpace(path))
        {
            errors.Add(new SourceFile(path, path), 0, 0, "cannot read scenario file: the path is empty", null);
            return new ScenarioLoadResult(null, errors.Errors);
        }

        var files = new List<SourceFile>();
        ScenarioSpec? spec = null;
        IReadOnlyDictionary<string, ScenarioLocation>? locations = null;
        try
        {
            var root = new SourceFile(path, Path.GetFullPath(path));
            var tree = LoadFile(new Loading(root, limits, errors, files, cancellation), root, [], via: null);
            if (tree is not null)
            {
                var validator = new Validator(errors, registry);
                if (validator.TryValidate(tree, ScenarioSchema.RootFor(registry), "", out var value))
                {
                    spec = (ScenarioSpec)value!;
                    locations = validator.Locations;
                }
            }
        }
        catch (Exception exception) when (exception is not (OutOfMemoryException or OperationCanceledException))
        {
            // A bug of ours must not take a `gym validate` over many files down: report it against the file.
            errors.Add(new SourceFile(path, path), 0, 0, $"cannot load scenario: {exception.Message}", null);
        }

        var ordered = errors.Errors
            .OrderBy(e => FileOrder(files, e.File))
            .ThenBy(e => e.Line)
            .ThenBy(e => e.Column)
            .ToList();
        return new ScenarioLoadResult(errors.Count == 0 ? spec : null, ordered) { Omitted = errors.Omitted, Locations = locations ?? ScenarioLoadResult.NoLocations };
    }

    private static int FileOrder(List<SourceFile> files, string displayPath)
    {
        var index = files.FindIndex(f => f.DisplayPath == displayPath);
        return index < 0 ? int.MaxValue : index;
    }

    /// <summary>What one load carries through the extends chain.</summary>
    private sealed record Loading(SourceFile Root, ScenarioLimits Limits, ErrorSink Errors, List<SourceFile> Files, CancellationToken Cancellation);

    /// <summary>Reads one file and, recursively, its bases; returns the merged tree without <c>extends</c>, or null when it cannot be built.</summary>
    private static MappingNode? LoadFile(Loading loading, SourceFile file, IReadOnlyList<SourceFile> chain, ScalarNode? via)
    {
        var (root, errors, files) = (loading.Root, loading.Errors, loading.Files);
        files.Add(file);
        if (!TryRead(file, via, loading, out var text))
        {
            return null;
        }

        var node = YamlTreeReader.Read(text, file, errors, loading.Limits.MaxDepth);
        if (node is null)
        {
            return null;
        }

        if (node is not MappingNode mapping)
        {
            errors.Add(node, $"a scenario must be a mapping of keys to values, but this file holds {NodeText.Found(node)}", "start with keys such as 'id:' and 'task:' at the beginning of the line");
            return null;
        }

        if (mapping.Find("extends") is not { } extends)
        {
            return mapping;
        }

        if (extends.Value is not ScalarNode { IsNull: false } basePath || basePath.Value.Length == 0
            || (basePath.IsPlain && (NodeText.IsNumber(basePath.Value) || NodeText.IsBoolean(basePath.Value))))
        {
            errors.Add(extends.Value, $"wrong type for extends: found {NodeText.Found(extends.Value)}", "expected the path of a base scenario file, relative to this file");
            return null;
        }

        var baseFile = new SourceFile(DisplayPath.Combine(file.DisplayPath, basePath.Value), file.Resolve(basePath.Value));
        var visited = chain.Append(file).ToList();
        if (visited.Any(f => f.FullPath == baseFile.FullPath))
        {
            var names = visited.SkipWhile(f => f.FullPath != baseFile.FullPath).Append(baseFile).Select(f => ChainName(root, f));
            errors.Add(extends.Key, $"extends cycle: {string.Join(" -> ", names)}", "a scenario cannot extend itself, directly or through its bases");
            return null;
        }

        var baseTree = LoadFile(loading, baseFile, visited, basePath);
        return baseTree is null ? null : (MappingNode)TreeMerger.Merge(baseTree, mapping.Without("extends"));
    }

    private static bool TryRead(SourceFile file, ScalarNode? via, Loading loading, out string text)
    {
        text = "";
        string problem;
        try
        {
            // Only regular files, and at most the size limit: a FIFO would block and /dev/zero never ends.
            text = InputFile.ReadText(file.FullPath, loading.Limits.MaxFileBytes, loading.Cancellation);
            return true;
        }
        catch (InputFileException exception)
        {
            problem = exception.Message;
        }

        var errors = loading.Errors;
        var tooLarge = problem.StartsWith("the file is", StringComparison.Ordinal);
        var hint = tooLarge ? $"scenario files are small; if this one really is larger, raise the limit with the environment variable {ScenarioLimits.BytesVariable} (in bytes)" : null;
        if (via is null)
        {
            errors.Add(file, 0, 0, $"cannot read scenario file: {problem}", hint);
        }
        else if (problem == "file not found")
        {
            errors.Add(via, $"base scenario {NodeText.Quote(via.Value)} not found", "extends paths are relative to the file that contains them");
        }
        else
        {
            errors.Add(via, $"cannot read base scenario {NodeText.Quote(via.Value)}: {problem}", hint);
        }

        return false;
    }

    /// <summary>A file's name in an extends chain: relative to the loaded file's folder, so chains read the same wherever the tree lives.</summary>
    private static string ChainName(SourceFile root, SourceFile file) =>
        Path.GetRelativePath(root.Directory, file.FullPath).Replace('\\', '/');
}
