using System.Text.Json;
using static TorchSharp.torch;

namespace CnnMl.Tests.Support;

/// <summary>State-dict listings in PyTorch's order, and the PyTorch fixtures' JSON and float32 files.</summary>
internal static class PyTorchStateDict
{
    /// <summary>
    /// Every parameter and persistent buffer as (name, shape), in the order PyTorch's <c>state_dict()</c>
    /// lists them: depth-first, each module's own parameters, then its own buffers, then its children.
    /// (TorchSharp's own <c>state_dict()</c> lists all parameters before all buffers.)
    /// </summary>
    public static List<(string Name, long[] Shape)> Entries(nn.Module module)
    {
        var entries = new List<(string, long[])>();
        Visit(module, "", entries);
        return entries;
    }

    private static void Visit(nn.Module module, string prefix, List<(string, long[])> entries)
    {
        foreach (var (name, p) in module.named_parameters(recurse: false)) entries.Add((prefix + name, p.shape));
        foreach (var (name, b) in module.named_buffers(recurse: false)) entries.Add((prefix + name, b.shape));
        foreach (var (name, child) in module.named_children()) Visit(child, prefix + name + ".", entries);
    }

    /// <summary>Formats entries as "name [d0, d1]" lines for readable assertion messages.</summary>
    public static string[] Format(IEnumerable<(string Name, long[] Shape)> entries) =>
        entries.Select(e => $"{e.Name} [{string.Join(", ", e.Shape)}]").ToArray();

    /// <summary>The ordered (name, shape) list of a fixture's <c>NAME.json</c>.</summary>
    public static List<(string Name, long[] Shape)> FixtureEntries(string jsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(jsonPath));
        return doc.RootElement.GetProperty("state_dict").EnumerateArray()
            .Select(e => (e[0].GetString()!, e[1].EnumerateArray().Select(d => d.GetInt64()).ToArray()))
            .ToList();
    }

    /// <summary>A shape array from a fixture's <c>NAME.json</c> (e.g. <c>input_shape</c>).</summary>
    public static long[] FixtureShape(string jsonPath, string property)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(jsonPath));
        return doc.RootElement.GetProperty(property).EnumerateArray().Select(d => d.GetInt64()).ToArray();
    }

    /// <summary>A little-endian float32 file as a tensor of <paramref name="shape"/>.</summary>
    public static Tensor ReadFloat32(string path, long[] shape)
    {
        var bytes = File.ReadAllBytes(path);
        var count = shape.Aggregate(1L, (a, b) => a * b);
        Assert.AreEqual(count * sizeof(float), bytes.LongLength, $"{path} should hold {count} float32 values.");
        var values = new float[count];
        for (var i = 0; i < count; i++)
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
        return tensor(values).reshape(shape);
    }
}
