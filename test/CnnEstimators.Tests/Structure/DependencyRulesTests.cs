using System.Reflection;
using System.Reflection.Emit;
using CnnMl.Architectures;

namespace CnnMl.Tests.Structure;

/// <summary>
/// The library's layering, checked on the compiled assembly: every type's base type, interfaces, fields,
/// properties, events, method and constructor signatures, and the types, methods and fields its method
/// bodies' IL refers to. Nested and compiler-generated types (lambdas, iterators) count as their namespace's.
/// </summary>
[TestClass]
public sealed class DependencyRulesTests
{
    /// <summary>(namespace of the referring types, namespaces it must not reference, why).</summary>
    private static readonly (string From, string[] Forbidden, string Why)[] Rules =
    [
        ("CnnMl.Architectures", ["CnnMl.Training", "CnnMl.Scoring", "CnnMl.Inspection"],
            "networks reach the trainer and the summary only through CnnMl.Abstractions"),
        ("CnnMl.Data", ["CnnMl.Architectures", "CnnMl.Training", "CnnMl.Scoring", "CnnMl.Inspection"],
            "data loading takes its shapes from CnnMl.Abstractions"),
        ("CnnMl.Scoring", ["CnnMl.Training"],
            "a transformer reads what training measured through CnnMl.Abstractions (TrainingSummary)"),
        ("CnnMl.Persistence", ["CnnMl.Training", "CnnMl.Scoring", "CnnMl.Inspection", "CnnMl.Onnx", "CnnMl.Interop"],
            "files (checkpoints, ML.NET model zips) are written and checked without knowing the trainer or the transformer"),
        ("CnnMl.Interop", ["CnnMl.Training", "CnnMl.Scoring", "CnnMl.Inspection", "CnnMl.Onnx"],
            "PyTorch weight files are read, checked and written knowing only modules, not the trainer or the transformer"),
        ("CnnMl.Onnx", ["CnnMl.Architectures", "CnnMl.Data", "CnnMl.Training", "CnnMl.Scoring", "CnnMl.Inspection"],
            "the ONNX graph builder sits under the networks: each module writes its own nodes through IOnnxExportable"),
        ("CnnMl.Abstractions", ["CnnMl.Architectures", "CnnMl.Data", "CnnMl.Training", "CnnMl.Scoring", "CnnMl.Inspection", "CnnMl.Interop", "CnnMl.Interpretation"],
            "the abstractions are the bottom layer"),
        ("CnnMl.Interpretation", ["CnnMl.Training", "CnnMl.Persistence", "CnnMl.Onnx", "CnnMl.Interop"],
            "explanations read a trained network and scored data; they neither train, save nor export"),
        ("CnnMl.Scoring", ["CnnMl.Interpretation"], "a transformer scores without knowing what explains it"),
    ];

    private static readonly Assembly Library = typeof(CnnArchitectures).Assembly;

    [TestMethod]
    public void NoLayerReferencesALayerAboveIt()
    {
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in Library.GetTypes())
        {
            var ns = type.Namespace ?? "";
            foreach (var (from, forbidden, why) in Rules.Where(r => InNamespace(ns, r.From)))
            {
                foreach (var (referenced, where) in References(type))
                {
                    if (referenced.Namespace is { } target && forbidden.Any(f => InNamespace(target, f)))
                        violations.Add($"{type.FullName} → {referenced.FullName} ({where}): {from} must not reference {target}; {why}.");
                }
            }
        }
        Assert.IsEmpty(violations, "Reverse dependencies:\n" + string.Join("\n", violations));
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
    }

    private static bool InNamespace(string ns, string root) => ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal);

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
        foreach (var m in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (m is MethodInfo mi) Add(mi.ReturnType, $"{m.Name} return type");
            foreach (var p in m.GetParameters()) Add(p.ParameterType, $"{m.Name} parameter {p.Name}");
            foreach (var local in m.GetMethodBody()?.LocalVariables ?? []) Add(local.LocalType, $"{m.Name} local");
            foreach (var member in IlMembers(m))
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

    // Every opcode by value, to walk method bodies instruction by instruction.
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The members that a method body's metadata tokens name (types, methods, fields).</summary>
    private static IEnumerable<MemberInfo> IlMembers(MethodBase method)
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
                MemberInfo? member = null;
                try
                {
                    member = method.Module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs);
                }
                catch (ArgumentException)
                {
                    // A token the runtime cannot resolve out of context (rare, vararg signatures): nothing to check.
                }
                if (member is not null) yield return member;
            }
            i += operandSize;
        }
    }
}
