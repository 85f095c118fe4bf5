using System.Reflection;
using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace Gym.Server.Tests;

/// <summary>
/// gym serve must not need TorchSharp: Gym.Server and everything it references stay clear of Gym.Learning
/// and TorchSharp (the policy endpoint that needs them is Gym.PolicyServing). The compiler leaves unused
/// references out of an assembly's metadata, so the deps file is what catches a project reference nothing uses yet.
/// </summary>
public sealed class DependencyTests
{
    private static readonly string[] Forbidden = ["Gym.Learning", "Gym.PolicyServing", "TorchSharp"];

    private static bool IsForbidden(string? name) =>
        name is not null && Forbidden.Any(f => name == f || name.StartsWith(f + ".", StringComparison.Ordinal) || name.StartsWith(f + "-", StringComparison.Ordinal));

    [Fact]
    public void The_server_assembly_references_neither_gym_learning_nor_torchsharp()
    {
        var references = typeof(EnvironmentServer).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        references.Should().Contain("Gym.Core").And.Contain("Gym.Runtime");
        references.Where(IsForbidden).Should().BeEmpty();
    }

    [Fact]
    public void No_gym_assembly_the_server_depends_on_references_gym_learning_or_torchsharp()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<Assembly>([typeof(EnvironmentServer).Assembly]);
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                IsForbidden(reference.Name).Should().BeFalse($"{assembly.GetName().Name} references {reference.Name}");
                if (reference.Name is { } name && name.StartsWith("Gym.", StringComparison.Ordinal) && seen.Add(name))
                {
                    pending.Enqueue(Assembly.Load(reference));
                }
            }
        }

        seen.Should().Contain("Gym.Core");
    }

    [Fact]
    public void Neither_gym_learning_nor_torchsharp_is_a_dependency_of_this_test_project()
    {
        // The deps file the build writes for this output lists every package and project below it, so a
        // reference anywhere under Gym.Server would show here (stale files in bin/ would not, unlike a file listing).
        var deps = Path.Combine(AppContext.BaseDirectory, $"{typeof(DependencyTests).Assembly.GetName().Name}.deps.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(deps));
        var libraries = document.RootElement.GetProperty("libraries").EnumerateObject().Select(library => library.Name.Split('/')[0]).ToList();

        libraries.Should().Contain("Gym.Server").And.Contain("Gym.Runtime");
        libraries.Where(IsForbidden).Should().BeEmpty();
    }
}
