using System.Reflection;
using System.Reflection.Emit;
using CnnMl.Architectures;

namespace CnnMl.Tests.Structure;

/// <summary>
/// The layering of the library and of the console, checked on the compiled assemblies: every type's base type,
/// interfaces, fields, properties, events, method and constructor signatures, and the types, methods and fields its
/// method bodies' IL refers to. Nested and compiler-generated types (lambdas, iterators) count as their namespace's.
/// Every namespace of either assembly has exactly one rule, which lists the project namespaces it may reference; any
/// other reference fails, so a new namespace or a new dependency is a decision written here.
/// </summary>
[TestClass]
public sealed class DependencyRulesTests
{
    /// <summary>(namespace, the library namespaces it may reference besides its own, why).</summary>
    private static readonly (string Namespace, string[] MayReference, string Why)[] LibraryRules =
    [
        ("CnnMl.Abstractions", [],
            "the abstractions are the bottom layer"),
        ("CnnMl.Runtime", ["CnnMl.Abstractions"],
            "the native runtime (libtorch, oneDNN, devices) knows nothing of networks, data or training"),
        ("CnnMl.Onnx", ["CnnMl.Abstractions", "CnnMl.Runtime"],
            "the ONNX graph builder sits under the networks: each module writes its own nodes through IOnnxExportable"),
        ("CnnMl.Architectures", ["CnnMl.Abstractions", "CnnMl.Onnx", "CnnMl.Runtime"],
            "networks reach the trainer and the summary only through CnnMl.Abstractions"),
        ("CnnMl.Optimizers", [],
            "an optimizer's settings create its TorchSharp optimizer and know nothing of training, networks or files"),
        ("CnnMl.Data", ["CnnMl.Abstractions", "CnnMl.Runtime"],
            "data loading takes its shapes from CnnMl.Abstractions"),
        ("CnnMl.Inspection", ["CnnMl.Abstractions", "CnnMl.Architectures", "CnnMl.Runtime"],
            "a summary builds a network and measures it; it neither trains nor scores"),
        ("CnnMl.Persistence", ["CnnMl.Abstractions", "CnnMl.Architectures", "CnnMl.Data", "CnnMl.Optimizers", "CnnMl.Runtime"],
            "files (checkpoints, ML.NET model zips) are written and checked without knowing the trainer or the transformer; a checkpoint records its optimizer through the optimizers' registry"),
        ("CnnMl.Interop", ["CnnMl.Abstractions", "CnnMl.Architectures", "CnnMl.Persistence", "CnnMl.Runtime"],
            "PyTorch weight files are read, checked and written knowing only modules, not the trainer or the transformer"),
        ("CnnMl.Scoring", ["CnnMl.Abstractions", "CnnMl.Architectures", "CnnMl.Data", "CnnMl.Interop", "CnnMl.Onnx", "CnnMl.Persistence", "CnnMl.Runtime"],
            "a transformer reads what training measured through CnnMl.Abstractions (TrainingSummary), and scores without knowing what explains it"),
        ("CnnMl.Training", ["CnnMl.Abstractions", "CnnMl.Architectures", "CnnMl.Data", "CnnMl.Interop", "CnnMl.Optimizers", "CnnMl.Persistence", "CnnMl.Runtime", "CnnMl.Scoring"],
            "the trainer builds a network, reads the data, checkpoints and hands a transformer over; nothing below it trains"),
        ("CnnMl.Interpretation", ["CnnMl.Abstractions", "CnnMl.Architectures", "CnnMl.Data", "CnnMl.Runtime", "CnnMl.Scoring"],
            "explanations read a trained network and scored data; they neither train, save nor export"),
        ("CnnMl", ["CnnMl.Abstractions", "CnnMl.Architectures", "CnnMl.Optimizers", "CnnMl.Runtime", "CnnMl.Scoring", "CnnMl.Training"],
            "the ML.NET catalog entry point creates the trainer; it is the library's top"),
    ];

    /// <summary>
    /// (namespace, the console namespaces it may reference besides its own, why). Every console namespace may use the
    /// library. The layers, bottom up: Cli; Rendering, Plots, Models; Steps; one namespace per command; Wizard; the
    /// entry point. A command never references another command.
    /// </summary>
    private static readonly (string Namespace, string[] MayReference, string Why)[] ConsoleRules =
    [
        ("CnnMl.Demo.Cli", [],
            "the command line's plumbing (options every command shares, their checks, output files, exit codes, failures) is the console's bottom layer"),
        ("CnnMl.Demo.Rendering", [],
            "console views draw what they are given"),
        ("CnnMl.Demo.Plots", ["CnnMl.Demo.Cli"],
            "pictures are drawn from what they are given and written through the output files' checks"),
        ("CnnMl.Demo.Models", ["CnnMl.Demo.Cli"],
            "saved model zips, their embedded graph and their consumption code know nothing of the commands"),
        ("CnnMl.Demo.Serving", ["CnnMl.Demo.Cli", "CnnMl.Demo.Models"],
            "the HTTP server scores saved model zips as any ML.NET application loads them; only the serve command starts it"),
        ("CnnMl.Demo.Steps", ["CnnMl.Demo.Cli", "CnnMl.Demo.Models", "CnnMl.Demo.Rendering"],
            "the phases of a training run that train, compare and the guided mode share take plain values, not a command's settings"),
        ("CnnMl.Demo.Commands.Architectures", ["CnnMl.Demo.Cli"], "a command owns its folder and calls no other command"),
        ("CnnMl.Demo.Scaffolding", ["CnnMl.Demo.Cli", "CnnMl.Demo.Models"],
            "projects written around a saved model zip know no command"),
        ("CnnMl.Demo.Commands.Bench", ["CnnMl.Demo.Cli", "CnnMl.Demo.Commands.Bench.Serving"], "a command owns its folder (its serving section's included) and calls no other command"),
        ("CnnMl.Demo.Commands.Bench.Serving", ["CnnMl.Demo.Cli", "CnnMl.Demo.Models", "CnnMl.Demo.Serving", "CnnMl.Demo.Commands.Bench"],
            "the bench's serving section runs the server and writes into the bench's report"),
        ("CnnMl.Demo.Commands.New", ["CnnMl.Demo.Cli", "CnnMl.Demo.Models", "CnnMl.Demo.Scaffolding"], "a command owns its folder and calls no other command"),
        ("CnnMl.Demo.Commands.Compare", ["CnnMl.Demo.Cli", "CnnMl.Demo.Plots", "CnnMl.Demo.Rendering", "CnnMl.Demo.Steps"], "a command owns its folder and calls no other command"),
        ("CnnMl.Demo.Commands.ConvDemo", ["CnnMl.Demo.Cli", "CnnMl.Demo.Plots"], "a command owns its folder and calls no other command"),
        ("CnnMl.Demo.Commands.Data", ["CnnMl.Demo.Cli"], "a command owns its folder and calls no other command"),
        ("CnnMl.Demo.Commands.Evaluate", ["CnnMl.Demo.Cli", "CnnMl.Demo.Models", "CnnMl.Demo.Plots", "CnnMl.Demo.Rendering"], "a command owns its folder and calls no other command"),
        ("CnnMl.Demo.Commands.Explain", ["CnnMl.Demo.Cli", "CnnMl.Demo.Models", "CnnMl.Demo.Plots"], "a command owns its folder and calls no other command"),
        ("CnnMl.Demo.Commands.LrFind", ["CnnMl.Demo.Cli", "CnnMl.Demo.Plots", "CnnMl.Demo.Steps"], "a command owns its folder and calls no other command"),
        ("CnnMl.Demo.Commands.Export", ["CnnMl.Demo.Cli", "CnnMl.Demo.Models"], "a command owns its folder and calls no other command"),
        ("CnnMl.Demo.Commands.Predict", ["CnnMl.Demo.Cli", "CnnMl.Demo.Models"], "a command owns its folder and calls no other command"),
        ("CnnMl.Demo.Commands.Serve", ["CnnMl.Demo.Cli", "CnnMl.Demo.Models", "CnnMl.Demo.Serving"], "a command owns its folder and calls no other command"),
        ("CnnMl.Demo.Commands.Summary", ["CnnMl.Demo.Cli"], "a command owns its folder and calls no other command"),
        ("CnnMl.Demo.Commands.Train", ["CnnMl.Demo.Cli", "CnnMl.Demo.Models", "CnnMl.Demo.Plots", "CnnMl.Demo.Steps"], "a command owns its folder and calls no other command"),
        ("CnnMl.Demo.Wizard", ["CnnMl.Demo.Cli", "CnnMl.Demo.Commands.Train", "CnnMl.Demo.Models", "CnnMl.Demo.Steps", "CnnMl.Demo.Rendering"],
            "the guided mode asks questions, makes train's settings from the answers and runs train's steps; no command knows it"),
        ("CnnMl.Demo", ["CnnMl.Demo.Cli", "CnnMl.Demo.Commands.Architectures", "CnnMl.Demo.Commands.Bench", "CnnMl.Demo.Commands.Compare",
                "CnnMl.Demo.Commands.ConvDemo", "CnnMl.Demo.Commands.Data", "CnnMl.Demo.Commands.Evaluate", "CnnMl.Demo.Commands.Explain", "CnnMl.Demo.Commands.Export",
                "CnnMl.Demo.Commands.LrFind", "CnnMl.Demo.Commands.New", "CnnMl.Demo.Commands.Predict", "CnnMl.Demo.Commands.Serve", "CnnMl.Demo.Commands.Summary", "CnnMl.Demo.Commands.Train"],
            "the command line registers every command"),
        ("", ["CnnMl.Demo", "CnnMl.Demo.Cli", "CnnMl.Demo.Wizard"],
            "the entry point (top-level statements) starts the command line or the guided mode"),
    ];

    private static readonly Assembly Library = typeof(CnnArchitectures).Assembly;
    private static readonly Assembly Console = typeof(CnnMl.Demo.Steps.ModelSaving).Assembly;

    [TestMethod]
    public void NoLayerOfTheLibraryReferencesALayerAboveIt() => AssertFollows(Library, LibraryRules);

    [TestMethod]
    public void NoFolderOfTheConsoleReferencesAFolderAboveIt() => AssertFollows(Console, ConsoleRules);

    [TestMethod]
    public void EveryNamespaceHasExactlyOneRule()
    {
        foreach (var (assembly, rules) in new[] { (Library, LibraryRules), (Console, ConsoleRules) })
        {
            var namespaces = ProjectTypes(assembly).Select(t => t.Namespace ?? "").ToHashSet();
            var ruled = rules.Select(r => r.Namespace).ToList();
            Assert.IsEmpty(ruled.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList(), $"{assembly.GetName().Name}: namespaces with two rules");
            var unruled = namespaces.Except(ruled).Order(StringComparer.Ordinal).ToList();
            Assert.IsEmpty(unruled, $"{assembly.GetName().Name}: namespaces without a rule: {string.Join(", ", unruled.Select(n => $"'{n}'"))}; add one to DependencyRulesTests saying what it may reference and why.");
            var stale = ruled.Except(namespaces).ToList();
            Assert.IsEmpty(stale, $"{assembly.GetName().Name}: rules for namespaces that no longer exist: {string.Join(", ", stale)}");
        }
    }

    [TestMethod]
    public void EveryMetadataTokenInEveryMethodBodyResolves()
    {
        // A token that cannot be resolved is a reference the scan would not see: there must be none.
        foreach (var assembly in new[] { Library, Console })
        {
            var unresolved = new List<string>();
            var tokens = 0;
            foreach (var type in ProjectTypes(assembly, includeGenerated: true))
            {
                foreach (var method in Methods(type))
                {
                    foreach (var (member, token) in IlTokens(method))
                    {
                        tokens++;
                        if (member is null) unresolved.Add($"{type.FullName}.{method.Name}: token 0x{token:X8}");
                    }
                }
            }
            Assert.IsGreaterThan(10_000, tokens, $"{assembly.GetName().Name}: the scan walked {tokens} tokens; it should see every method body");
            Assert.IsEmpty(unresolved, $"{assembly.GetName().Name}: {unresolved.Count} of {tokens} metadata tokens unresolved:\n{string.Join("\n", unresolved.Take(20))}");
        }
    }

    [TestMethod]
    public void TheScanSeesReferencesInsideMethodBodies()
    {
        // LearnedGroupConv names CnnMl.Abstractions in its interface list and its method signatures.
        var referenced = References(typeof(LearnedGroupConv)).Select(r => r.Type).ToHashSet();
        Assert.Contains(typeof(ITrainingProgressObserver), referenced);
        Assert.Contains(typeof(TrainingProgress), referenced);
        // CnnArchitecture.Create calls TorchRuntime.EnsureAvailable() in its body and nowhere else.
        Assert.Contains(typeof(CnnMl.Runtime.TorchRuntime), References(typeof(CnnArchitecture)).Select(r => r.Type).ToHashSet());
        // TrainCommand calls ModelSaving.SaveAndReload in its Execute body and names it nowhere else.
        Assert.Contains(typeof(CnnMl.Demo.Steps.ModelSaving), References(typeof(CnnMl.Demo.Commands.Train.TrainCommand)).Select(r => r.Type).ToHashSet());
    }

    private static void AssertFollows(Assembly assembly, (string Namespace, string[] MayReference, string Why)[] rules)
    {
        var byNamespace = rules.ToDictionary(r => r.Namespace);
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in ProjectTypes(assembly, includeGenerated: true))
        {
            var ns = type.Namespace ?? "";
            if (!byNamespace.TryGetValue(ns, out var rule)) continue; // EveryNamespaceHasExactlyOneRule names it
            foreach (var (referenced, where) in References(type))
            {
                // Other assemblies are not layers of this one (the console may use all of the library); the compiler's
                // own top-level types (<PrivateImplementationDetails>, embedded attributes) belong to no layer.
                if (referenced.Assembly != assembly || IsGenerated(Outermost(referenced))) continue;
                var target = referenced.Namespace ?? "";
                if (target == ns || rule.MayReference.Contains(target)) continue;
                violations.Add($"{type.FullName} → {referenced.FullName} ({where}): '{ns}' may reference only {Listed(rule.MayReference)}; {rule.Why}.");
            }
        }
        Assert.IsEmpty(violations, $"{assembly.GetName().Name}: reverse dependencies:\n" + string.Join("\n", violations));
    }

    private static string Listed(string[] namespaces) => namespaces.Length == 0 ? "its own types" : string.Join(", ", namespaces);

    /// <summary>
    /// The types the project wrote, the entry point's class of top-level statements included: compiler-generated types
    /// (closures, state machines, embedded attributes) only with <paramref name="includeGenerated"/>, where they count as
    /// their namespace's.
    /// </summary>
    private static IEnumerable<Type> ProjectTypes(Assembly assembly, bool includeGenerated = false) =>
        assembly.GetTypes().Where(t => includeGenerated || !IsGenerated(t) || t == assembly.EntryPoint?.DeclaringType);

    private static Type Outermost(Type type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    private static bool IsGenerated(Type type)
    {
        for (var t = type; t is not null; t = t.DeclaringType)
        {
            if (t.Name.StartsWith('<') || t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), false)) return true;
        }
        // Attributes the compiler embeds (NullableAttribute, EmbeddedAttribute, ...) live in its own namespaces.
        return type.Namespace is "Microsoft.CodeAnalysis" or "System.Runtime.CompilerServices";
    }

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<(Type Type, string Where)> References(Type type)
    {
        var found = new List<(Type, string)>();
        void Add(Type? t, string where)
        {
            if (t is null) return;
            if (t.HasElementType) { Add(t.GetElementType(), where); return; }
            if (t.IsGenericParameter) return;
            found.Add((t, where));
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
                foreach (var arg in t.GetGenericArguments()) Add(arg, where);
        }

        Add(type.BaseType, "base type");
        foreach (var i in type.GetInterfaces()) Add(i, "interface");
        foreach (var f in type.GetFields(Declared)) Add(f.FieldType, $"field {f.Name}");
        foreach (var p in type.GetProperties(Declared)) Add(p.PropertyType, $"property {p.Name}");
        foreach (var e in type.GetEvents(Declared)) Add(e.EventHandlerType, $"event {e.Name}");
        foreach (var m in Methods(type))
        {
            if (m is MethodInfo mi) Add(mi.ReturnType, $"{m.Name} return type");
            foreach (var p in m.GetParameters()) Add(p.ParameterType, $"{m.Name} parameter {p.Name}");
            foreach (var local in m.GetMethodBody()?.LocalVariables ?? []) Add(local.LocalType, $"{m.Name} local");
            foreach (var (member, _) in IlTokens(m))
            {
                switch (member)
                {
                    case Type t: Add(t, $"{m.Name} body"); break;
                    case MethodBase called:
                        Add(called.DeclaringType, $"{m.Name} body calls {called.Name}");
                        if (called is MethodInfo cmi) Add(cmi.ReturnType, $"{m.Name} body calls {called.Name}");
                        break;
                    case FieldInfo field:
                        Add(field.DeclaringType, $"{m.Name} body uses {field.Name}");
                        Add(field.FieldType, $"{m.Name} body uses {field.Name}");
                        break;
                }
            }
        }
        return found;
    }

    private static IEnumerable<MethodBase> Methods(Type type) =>
        type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared));

    // Every opcode by value, to walk method bodies instruction by instruction.
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>
    /// The metadata tokens of a method body that name types, methods or fields, each with the member it resolves to, or
    /// null when it does not resolve (<see cref="EveryMetadataTokenInEveryMethodBodyResolves"/> requires none).
    /// </summary>
    private static IEnumerable<(MemberInfo? Member, int Token)> IlTokens(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            var code = il[i] == 0xFE ? OpCodesByValue[(short)(0xFE00 | il[i + 1])] : OpCodesByValue[il[i]];
            i += code.Size;
            var operandSize = code.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            if (code.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                var token = BitConverter.ToInt32(il, i);
                MemberInfo? member;
                try
                {
                    member = method.Module.ResolveMember(token, typeArgs, methodArgs);
                }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException or FileNotFoundException or MissingMemberException)
                {
                    member = null;
                }
                yield return (member, token);
            }
            i += operandSize;
        }
    }
}
