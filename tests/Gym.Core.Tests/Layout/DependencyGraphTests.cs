using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using FluentAssertions;
using Xunit;
using Gym.Testing;

namespace Gym.Core.Tests.Layout;

/// <summary>
/// Dependencies only point one way. Between projects: the ProjectReference graph of src/ and
/// environments/ has no cycle, and docs/architecture.md draws exactly that graph. Inside each Gym
/// assembly: the namespace graph (what each type's signatures, attributes, locals and IL refer to)
/// has no cycle, and the assembly's root namespace (e.g. <c>Gym.Core</c>) is a leaf that every
/// namespace may use but that uses none of them.
/// </summary>
public sealed class DependencyGraphTests
{
    private static readonly string[] ProjectFolders = ["src", "environments"];

    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyList<string>>> ProjectGraph = new(ReadProjectGraph);

    [Fact]
    public void The_project_scan_sees_the_source_and_environment_projects()
    {
        ProjectGraph.Value.Keys.Should().Contain(["Gym.Core", "Gym.Runtime", "Gym.Cli", "Gym.Environments.ToolUse"]);
        ProjectGraph.Value["Gym.Modules"].Should().Contain("Gym.Environments.ToolUse", "wildcard references are expanded");
    }

    [Fact]
    public void Project_references_have_no_cycle()
    {
        var cycles = StronglyConnected(ProjectGraph.Value)
            .Select(c => string.Join(" -> ", c) + " -> " + c[0])
            .ToList();

        cycles.Should().BeEmpty("project references must form a DAG");
    }

    [Fact]
    public void The_architecture_diagram_matches_the_project_references()
    {
        var diagram = ReadDiagram();
        var actual = Collapsed(ProjectGraph.Value);

        var drawn = diagram.SelectMany(p => p.Value.Select(r => $"{p.Key} -> {r}")).Order(StringComparer.Ordinal).ToList();
        var real = actual.SelectMany(p => p.Value.Select(r => $"{p.Key} -> {r}")).Order(StringComparer.Ordinal).ToList();

        diagram.Keys.Should().BeEquivalentTo(actual.Keys, "docs/architecture.md lists every project of src/ and environments/ once");
        drawn.Except(real).Should().BeEmpty("docs/architecture.md draws edges that no csproj has");
        real.Except(drawn).Should().BeEmpty("docs/architecture.md misses project references");
    }

    /// <summary>
    /// The graph with every environment module drawn as one node, <c>Gym.Environments.*</c>: the diagram
    /// shows the rule modules follow, so adding a module (one folder, one registration line) needs no
    /// edit here, while a module that references more than Gym.Core still shows up as a new edge.
    /// </summary>
    private static Dictionary<string, IReadOnlyList<string>> Collapsed(IReadOnlyDictionary<string, IReadOnlyList<string>> graph)
    {
        static string Node(string project) => project.StartsWith("Gym.Environments.", StringComparison.Ordinal) ? "Gym.Environments.*" : project;
        return graph
            .GroupBy(p => Node(p.Key), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.SelectMany(p => p.Value).Select(Node).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], StringComparer.Ordinal);
    }

    /// <summary>The Gym assemblies next to the tests (Gym.Core and what this test project references), not the test code.</summary>
    public static TheoryData<string> GymAssemblies() => [.. AssemblyNames()];

    private static List<string> AssemblyNames() => [.. Directory.GetFiles(AppContext.BaseDirectory, "Gym.*.dll")
        .Select(p => Path.GetFileNameWithoutExtension(p))
        .Where(n => !n.EndsWith(".Tests", StringComparison.Ordinal) && n != "Gym.Testing")
        .Order(StringComparer.Ordinal)];

    [Fact]
    public void The_assembly_scan_sees_the_core_assemblies()
    {
        AssemblyNames().Should().Contain("Gym.Core");
        NamespaceGraph.Read(Path.Combine(AppContext.BaseDirectory, "Gym.Core.dll")).Edges.Keys
            .Should().Contain(["Gym.Core.Episodes", "Gym.Core.Rewards"]);
    }

    [Theory]
    [MemberData(nameof(GymAssemblies))]
    public void Namespaces_have_no_cycle(string assembly)
    {
        var graph = NamespaceGraph.Read(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));
        var adjacency = graph.Edges.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[.. e.Value.Keys]);

        var report = new StringBuilder();
        foreach (var component in StronglyConnected(adjacency))
        {
            var members = component.ToHashSet(StringComparer.Ordinal);
            report.AppendLine($"cycle among {string.Join(", ", component)}:");
            foreach (var from in component)
            {
                foreach (var (to, example) in graph.Edges[from].Where(e => members.Contains(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    report.AppendLine($"  {from} -> {to}  (e.g. {example})");
                }
            }
        }

        report.ToString().Should().BeEmpty($"the namespaces of {assembly} must form a DAG");
    }

    /// <remarks>
    /// An environment assembly is the exception: its root namespace holds its module (the
    /// registration entry point), which sits on top of the assembly's other namespaces; the cycle
    /// rule still applies to it.
    /// </remarks>
    [Theory]
    [MemberData(nameof(GymAssemblies))]
    public void The_root_namespace_uses_no_other_namespace_of_its_assembly(string assembly)
    {
        if (assembly.StartsWith("Gym.Environments.", StringComparison.Ordinal))
        {
            return;
        }

        var graph = NamespaceGraph.Read(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));

        var outgoing = graph.Edges.TryGetValue(assembly, out var edges)
            ? edges.Select(e => $"{assembly} -> {e.Key} (e.g. {e.Value})").ToList()
            : [];

        outgoing.Should().BeEmpty($"{assembly} is the leaf namespace every other namespace of the assembly may use");
    }

    /// <summary>Tarjan's algorithm; returns the components with more than one node, each sorted.</summary>
    private static List<List<string>> StronglyConnected(IReadOnlyDictionary<string, IReadOnlyList<string>> graph)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<List<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in graph.TryGetValue(node, out var targets) ? targets : [])
            {
                if (!index.TryGetValue(next, out var nextIndex))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], nextIndex);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);

                if (component.Count > 1)
                {
                    component.Sort(StringComparer.Ordinal);
                    result.Add(component);
                }
            }
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return result;
    }

    // ---- projects ---------------------------------------------------------------------------

    private static Dictionary<string, IReadOnlyList<string>> ReadProjectGraph()
    {
        var root = RepositoryRoot();
        var projects = ProjectFolders
            .SelectMany(folder => Directory.GetDirectories(Path.Combine(root, folder)))
            .SelectMany(folder => Directory.GetFiles(folder, "*.csproj"))
            .Select(Path.GetFullPath)
            .Order(StringComparer.Ordinal)
            .ToList();

        var graph = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var project in projects)
        {
            var folder = Path.GetDirectoryName(project)!;
            var references = XDocument.Load(project).Descendants()
                .Where(e => e.Name.LocalName == "ProjectReference" && e.Attribute("Include") is not null)
                .SelectMany(e => e.Attribute("Include")!.Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(include => Glob(Path.GetFullPath(Path.Combine(folder, include.Replace('\\', '/')))))
                .SelectMany(pattern => projects.Where(p => pattern.IsMatch(p.Replace('\\', '/'))))
                .Where(p => p != project)
                .Select(p => Path.GetFileNameWithoutExtension(p))
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToList();
            graph[Path.GetFileNameWithoutExtension(project)] = references;
        }

        return graph;
    }

    private static Regex Glob(string path) => new(
        "^" + Regex.Escape(path.Replace('\\', '/')).Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal) + "$",
        RegexOptions.CultureInvariant);

    /// <summary>
    /// The fenced block tagged <c>project-graph</c> in docs/architecture.md: one line per project,
    /// <c>Gym.Runtime -> Gym.Core, Gym.Trajectories</c>, nothing after the arrow for a project with no
    /// project references; blank lines and lines starting with <c>#</c> are ignored.
    /// </summary>
    private static Dictionary<string, IReadOnlyList<string>> ReadDiagram()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "architecture.md"));
        var start = Array.FindIndex(lines, l => l.Trim() == "```project-graph");
        start.Should().BeGreaterThanOrEqualTo(0, "docs/architecture.md has a ```project-graph block");

        var diagram = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => l.Trim() != "```").Select(l => l.Trim()))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var arrow = line.IndexOf("->", StringComparison.Ordinal);
            arrow.Should().BePositive($"'{line}' reads 'Project -> Reference, Reference'");
            var name = line[..arrow].Trim();
            diagram.Should().NotContainKey(name, "each project is listed once");
            diagram[name] = [.. line[(arrow + 2)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal)];
        }

        return diagram;
    }

    private static string RepositoryRoot() => RepositoryFolders.Root;

    // ---- namespaces -------------------------------------------------------------------------

    /// <summary>
    /// The namespace graph of one assembly, read from its metadata: for each type (nested and
    /// compiler-generated types count as their outermost declaring type), the namespaces of the same
    /// assembly's types named by its base type, interfaces, fields, method signatures, generic
    /// constraints, custom attributes, local variables and the tokens of its IL. Only namespaces
    /// starting with <c>Gym</c> are nodes (not the compiler's embedded attributes). Each edge keeps
    /// one example, "Type -> Type".
    /// </summary>
    private sealed class NamespaceGraph
    {
        private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!)
            .ToDictionary(o => o.Value, o => o.OperandType);

        private readonly MetadataReader _reader;
        private readonly PEReader _pe;
        private readonly Collector _collector = new();

        private NamespaceGraph(PEReader pe)
        {
            _pe = pe;
            _reader = pe.GetMetadataReader();
        }

        /// <summary>from namespace → (to namespace → example edge).</summary>
        public Dictionary<string, Dictionary<string, string>> Edges { get; } = new(StringComparer.Ordinal);

        public static NamespaceGraph Read(string path)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            var graph = new NamespaceGraph(pe);
            graph.Build();
            return graph;
        }

        private void Build()
        {
            foreach (var handle in _reader.TypeDefinitions)
            {
                var outer = Outermost(handle);
                var from = Namespace(outer);
                if (!IsGym(from))
                {
                    continue;
                }

                _collector.Found.Clear();
                CollectType(handle);
                if (!Edges.TryGetValue(from, out var edges))
                {
                    edges = new Dictionary<string, string>(StringComparer.Ordinal);
                    Edges[from] = edges;
                }

                foreach (var target in _collector.Found)
                {
                    var targetOuter = Outermost(target);
                    var to = Namespace(targetOuter);
                    if (to != from && IsGym(to))
                    {
                        edges.TryAdd(to, $"{Name(outer)} -> {Name(targetOuter)}");
                    }
                }
            }
        }

        private static bool IsGym(string ns) => ns == "Gym" || ns.StartsWith("Gym.", StringComparison.Ordinal);

        private TypeDefinitionHandle Outermost(TypeDefinitionHandle handle)
        {
            var type = _reader.GetTypeDefinition(handle);
            while (type.IsNested)
            {
                handle = type.GetDeclaringType();
                type = _reader.GetTypeDefinition(handle);
            }

            return handle;
        }

        private string Namespace(TypeDefinitionHandle handle) => _reader.GetString(_reader.GetTypeDefinition(handle).Namespace);

        private string Name(TypeDefinitionHandle handle)
        {
            var type = _reader.GetTypeDefinition(handle);
            return $"{_reader.GetString(type.Namespace)}.{_reader.GetString(type.Name)}";
        }

        private void CollectType(TypeDefinitionHandle handle)
        {
            var type = _reader.GetTypeDefinition(handle);
            Token(type.BaseType);
            foreach (var implementation in type.GetInterfaceImplementations())
            {
                Token(_reader.GetInterfaceImplementation(implementation).Interface);
            }

            Attributes(type.GetCustomAttributes());
            GenericParameters(type.GetGenericParameters());

            foreach (var fieldHandle in type.GetFields())
            {
                var field = _reader.GetFieldDefinition(fieldHandle);
                field.DecodeSignature(_collector, null);
                Attributes(field.GetCustomAttributes());
            }

            foreach (var propertyHandle in type.GetProperties())
            {
                var property = _reader.GetPropertyDefinition(propertyHandle);
                property.DecodeSignature(_collector, null);
                Attributes(property.GetCustomAttributes());
            }

            foreach (var eventHandle in type.GetEvents())
            {
                Token(_reader.GetEventDefinition(eventHandle).Type);
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = _reader.GetMethodDefinition(methodHandle);
                method.DecodeSignature(_collector, null);
                Attributes(method.GetCustomAttributes());
                GenericParameters(method.GetGenericParameters());
                foreach (var parameter in method.GetParameters())
                {
                    Attributes(_reader.GetParameter(parameter).GetCustomAttributes());
                }

                if (method.RelativeVirtualAddress != 0)
                {
                    Body(_pe.GetMethodBody(method.RelativeVirtualAddress));
                }
            }
        }

        private void GenericParameters(GenericParameterHandleCollection parameters)
        {
            foreach (var parameter in parameters)
            {
                foreach (var constraint in _reader.GetGenericParameter(parameter).GetConstraints())
                {
                    Token(_reader.GetGenericParameterConstraint(constraint).Type);
                }
            }
        }

        private void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (var attribute in attributes)
            {
                Token(_reader.GetCustomAttribute(attribute).Constructor);
            }
        }

        private void Body(MethodBodyBlock body)
        {
            if (!body.LocalSignature.IsNil)
            {
                _reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(_collector, null);
            }

            foreach (var region in body.ExceptionRegions)
            {
                Token(region.CatchType);
            }

            var il = body.GetILReader();
            while (il.RemainingBytes > 0)
            {
                short code = il.ReadByte();
                if (code == 0xFE)
                {
                    code = unchecked((short)(0xFE00 | il.ReadByte()));
                }

                switch (Operands[code])
                {
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineBrTarget:
                    case OperandType.ShortInlineI:
                    case OperandType.ShortInlineVar:
                        il.Offset += 1;
                        break;
                    case OperandType.InlineVar:
                        il.Offset += 2;
                        break;
                    case OperandType.InlineI8:
                    case OperandType.InlineR:
                        il.Offset += 8;
                        break;
                    case OperandType.InlineSwitch:
                        var targets = il.ReadInt32();
                        il.Offset += 4 * targets;
                        break;
                    case OperandType.InlineField:
                    case OperandType.InlineMethod:
                    case OperandType.InlineTok:
                    case OperandType.InlineType:
                    case OperandType.InlineSig:
                        Token(MetadataTokens.EntityHandle(il.ReadInt32()));
                        break;
                    default: // InlineBrTarget, InlineI, InlineString, ShortInlineR
                        il.Offset += 4;
                        break;
                }
            }
        }

        private void Token(EntityHandle handle)
        {
            if (handle.IsNil)
            {
                return;
            }

            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    _collector.Found.Add((TypeDefinitionHandle)handle);
                    break;
                case HandleKind.TypeSpecification:
                    _reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(_collector, null);
                    break;
                case HandleKind.FieldDefinition:
                    _collector.Found.Add(_reader.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.MethodDefinition:
                    _collector.Found.Add(_reader.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.MemberReference:
                    var member = _reader.GetMemberReference((MemberReferenceHandle)handle);
                    Token(member.Parent);
                    if (member.GetKind() == MemberReferenceKind.Method)
                    {
                        member.DecodeMethodSignature(_collector, null);
                    }
                    else
                    {
                        member.DecodeFieldSignature(_collector, null);
                    }

                    break;
                case HandleKind.MethodSpecification:
                    var specification = _reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                    Token(specification.Method);
                    specification.DecodeSignature(_collector, null);
                    break;
                case HandleKind.StandaloneSignature:
                    var signature = _reader.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                    if (signature.GetKind() == StandaloneSignatureKind.Method)
                    {
                        signature.DecodeMethodSignature(_collector, null);
                    }

                    break;
                default: // TypeReference: another assembly's type
                    break;
            }
        }

        /// <summary>Decodes signatures and records every type definition of this assembly they name.</summary>
        private sealed class Collector : ISignatureTypeProvider<bool, object?>
        {
            public HashSet<TypeDefinitionHandle> Found { get; } = [];

            public bool GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
            {
                Found.Add(handle);
                return true;
            }

            public bool GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => true;

            public bool GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
                reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

            public bool GetSZArrayType(bool elementType) => true;

            public bool GetArrayType(bool elementType, ArrayShape shape) => true;

            public bool GetByReferenceType(bool elementType) => true;

            public bool GetPointerType(bool elementType) => true;

            public bool GetPinnedType(bool elementType) => true;

            public bool GetGenericInstantiation(bool genericType, ImmutableArray<bool> typeArguments) => true;

            public bool GetGenericMethodParameter(object? genericContext, int index) => true;

            public bool GetGenericTypeParameter(object? genericContext, int index) => true;

            public bool GetFunctionPointerType(MethodSignature<bool> signature) => true;

            public bool GetModifiedType(bool modifier, bool unmodifiedType, bool isRequired) => true;

            public bool GetPrimitiveType(PrimitiveTypeCode typeCode) => true;
        }
    }
}
