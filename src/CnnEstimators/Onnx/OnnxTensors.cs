using Onnx;
using static TorchSharp.torch;

namespace CnnMl.Onnx;

/// <summary>Converts TorchSharp tensors and plain arrays to ONNX initializers (<see cref="TensorProto"/>).</summary>
internal static class OnnxTensors
{
    /// <summary>
    /// A float32 initializer holding a copy of <paramref name="tensor"/> (any floating dtype, any device), or an int64
    /// initializer for an integer tensor (index buffers).
    /// </summary>
    /// <exception cref="NotSupportedException">The tensor is neither floating point nor integer.</exception>
    public static TensorProto FromTorch(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = NewDisposeScope();
        var cpu = tensor.detach().cpu();
        if (cpu.is_floating_point())
            return Float(name, cpu.to_type(ScalarType.Float32).contiguous().data<float>().ToArray(), tensor.shape);
        if (cpu.dtype is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte)
            return Int64(name, cpu.to_type(ScalarType.Int64).contiguous().data<long>().ToArray(), tensor.shape);
        throw new NotSupportedException($"ONNX export: tensor '{name}' has dtype {tensor.dtype}; only floating-point and integer tensors are exported.");
    }

    /// <summary>A float32 initializer of shape <paramref name="dims"/> (row-major values).</summary>
    public static TensorProto Float(string name, float[] values, IReadOnlyList<long> dims)
    {
        ArgumentNullException.ThrowIfNull(values);
        RequireCount(name, values.Length, dims);
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(dims);
        proto.FloatData.AddRange(values);
        return proto;
    }

    /// <summary>An int64 initializer of shape <paramref name="dims"/> (row-major values).</summary>
    public static TensorProto Int64(string name, long[] values, IReadOnlyList<long> dims)
    {
        ArgumentNullException.ThrowIfNull(values);
        RequireCount(name, values.Length, dims);
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.AddRange(dims);
        proto.Int64Data.AddRange(values);
        return proto;
    }

    private static void RequireCount(string name, long count, IReadOnlyList<long> dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var expected = dims.Aggregate(1L, (a, b) => a * b);
        if (expected != count)
            throw new ArgumentException($"ONNX initializer '{name}': {count} values do not fill shape [{string.Join(", ", dims)}] ({expected} values).");
    }
}
