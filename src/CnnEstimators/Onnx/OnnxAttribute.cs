using Onnx;

namespace CnnMl.Onnx;

/// <summary>Factories for ONNX node attributes (<see cref="AttributeProto"/> with its type set).</summary>
public static class OnnxAttribute
{
    /// <summary>An integer attribute, e.g. <c>group</c> or <c>axis</c>.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A list-of-integers attribute, e.g. <c>kernel_shape</c>, <c>strides</c>, <c>pads</c>, <c>perm</c>.</summary>
    public static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A float attribute, e.g. <c>epsilon</c>.</summary>
    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A string attribute, e.g. <c>mode</c> (UTF-8 encoded as ONNX requires).</summary>
    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8(value) };
}
