using System.Text;
using CnnMl.Architectures;
using CnnMl.Persistence;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace CnnMl.Tests.Persistence;

/// <summary>
/// The safetensors reader and writer agree with TorchSharp.PyBridge's implementation in both directions, and
/// the reader refuses malformed headers before allocating anything.
/// </summary>
[TestClass]
public sealed class SafetensorsTests
{
    [TestMethod]
    public void PyBridgeLoadsWhatWeWrite()
    {
        using var source = CnnArchitectures.Get(CnnArchitectures.CondenseNet).Create();
        using var target = CnnArchitectures.Get(CnnArchitectures.CondenseNet).Create();
        Assert.IsFalse(SameState(source, target), "two fresh networks differ, so the comparison can fail");
        var stream = new MemoryStream();
        SafetensorsWriter.Write(stream, source.state_dict().ToList());
        stream.Position = 0;
        target.load_safetensors(stream, strict: true);
        Assert.IsTrue(SameState(source, target));
    }

    [TestMethod]
    public void WeReadWhatPyBridgeWrites()
    {
        using var source = CnnArchitectures.Get(CnnArchitectures.CondenseNet).Create();
        using var target = CnnArchitectures.Get(CnnArchitectures.CondenseNet).Create();
        var stream = new MemoryStream();
        source.save_safetensors(stream, leaveOpen: true);
        var bytes = stream.ToArray();
        var input = new MemoryStream(bytes);
        var header = SafetensorsReader.ReadHeader(input, bytes.Length, "pybridge.safetensors");
        Assert.AreEqual(source.state_dict().Count, header.Count);
        Assert.IsTrue(header.Any(t => t.DType == ScalarType.Int64), "buffers such as num_batches_tracked are I64");
        SafetensorsReader.ReadInto(input, header, target.state_dict(), "pybridge.safetensors");
        Assert.AreEqual(bytes.Length, input.Position);
        Assert.IsTrue(SameState(source, target));
    }

    [TestMethod]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, null, DisplayName = "valid")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"__metadata__\":{\"format\":\"pt\"}}", 8, null, DisplayName = "valid with metadata")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, "bytes after the last tensor", DisplayName = "trailing data")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "only 4 bytes follow", DisplayName = "truncated data")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12 bytes", DisplayName = "shape and range disagree")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "gap", DisplayName = "gap")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlaps", DisplayName = "overlap")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16, "twice", DisplayName = "duplicate name")]
    [DataRow("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "dtype 'Q4'", DisplayName = "unknown dtype")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,8]}}", 8, "overflows", DisplayName = "huge shape")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}", 8, "unexpected or repeated field", DisplayName = "extra field")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "non-negative integers", DisplayName = "negative dimension")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "begin ≤ end", DisplayName = "reversed range")]
    [DataRow("{\"__metadata__\":{\"format\":1}}", 0, "metadata values are strings", DisplayName = "metadata not string")]
    [DataRow("[1,2]", 0, "starts with byte 0x5B", DisplayName = "not an object")]
    [DataRow("{\"a\":", 0, "not valid JSON", DisplayName = "broken JSON")]
    public void HeaderRules(string header, int dataBytes, string? defect)
    {
        var entry = Entry(Encoding.UTF8.GetBytes(header), dataBytes);
        void Read() => SafetensorsReader.ReadHeader(new MemoryStream(entry), entry.Length, "test.safetensors");
        if (defect is null)
        {
            Read();
            return;
        }
        var e = Assert.ThrowsExactly<InvalidDataException>(Read);
        StringAssert.Contains(e.Message, "test.safetensors");
        StringAssert.Contains(e.Message, defect);
    }

    [TestMethod]
    public void AHugeDeclaredHeaderIsRefusedBeforeItIsRead()
    {
        var entry = new byte[64];
        BitConverter.TryWriteBytes(entry, ulong.MaxValue - 7);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SafetensorsReader.ReadHeader(new MemoryStream(entry), entry.Length, "test.safetensors"));
        StringAssert.Contains(e.Message, "but only 56 bytes follow");
    }

    [TestMethod]
    public void NamesDtypesAndShapesMustMatchTheNetwork()
    {
        using var a = zeros(2, 3);
        using var b = zeros(4);
        var stream = new MemoryStream();
        SafetensorsWriter.Write(stream, [new("a", a), new("b", b)]);
        var bytes = stream.ToArray();

        string Defect(Dictionary<string, Tensor> targets)
        {
            var input = new MemoryStream(bytes);
            var header = SafetensorsReader.ReadHeader(input, bytes.Length, "w.safetensors");
            return Assert.ThrowsExactly<InvalidDataException>(() => SafetensorsReader.ReadInto(input, header, targets, "w.safetensors")).Message;
        }

        using var wrongShape = zeros(3, 2);
        using var wrongType = zeros(new long[] { 4 }, ScalarType.Float64);
        using var extra = zeros(1);
        StringAssert.Contains(Defect(new() { ["a"] = wrongShape, ["b"] = b }), "tensor 'a' has shape [2, 3]; the network's is [3, 2]");
        StringAssert.Contains(Defect(new() { ["a"] = a, ["b"] = wrongType }), "tensor 'b' is F32; the network's is F64");
        StringAssert.Contains(Defect(new() { ["a"] = a }), "does not have: 'b'");
        StringAssert.Contains(Defect(new() { ["a"] = a, ["b"] = b, ["c"] = extra }), "lacks 1 tensor(s) the network has: 'c'");
    }

    private static byte[] Entry(byte[] header, int dataBytes)
    {
        var entry = new byte[8 + header.Length + dataBytes];
        BitConverter.TryWriteBytes(entry, (ulong)header.Length);
        header.CopyTo(entry, 8);
        return entry;
    }

    private static bool SameState(nn.Module a, nn.Module b)
    {
        var left = a.state_dict();
        var right = b.state_dict();
        return left.Count == right.Count && left.All(p => right.TryGetValue(p.Key, out var other) && p.Value.dtype == other.dtype && TensorsEqual(p.Value, other));
    }

    private static bool TensorsEqual(torch.Tensor a, torch.Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
    }
}
