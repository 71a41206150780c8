using System.Runtime.InteropServices;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Demo.Plots;

/// <summary>
/// The weights of one 2-D convolution, [out, in, kh, kw] row-major as PyTorch and ONNX store them, read from a
/// trained TorchSharp module or from the ONNX graph a saved model zip scores with.
/// </summary>
internal sealed class ConvolutionWeights
{
    private readonly float[] _values;

    private ConvolutionWeights(string name, (int Out, int In, int Height, int Width) shape, float[] values)
    {
        Name = name;
        Shape = shape;
        _values = values;
    }

    /// <summary>The layer's name in the module tree or the graph (e.g. <c>conv1</c>, <c>features.0</c>).</summary>
    public string Name { get; }

    /// <summary>Output channels, input channels (per group), kernel height and width.</summary>
    public (int Out, int In, int Height, int Width) Shape { get; }

    /// <summary>The weight of output channel <paramref name="o"/>, input channel <paramref name="i"/>, at kernel row <paramref name="r"/>, column <paramref name="c"/>.</summary>
    public float At(int o, int i, int r, int c) => _values[((o * Shape.In + i) * Shape.Height + r) * Shape.Width + c];

    /// <summary>The first <c>Conv2d</c> of <paramref name="module"/> in its module tree's order (the input's convolution), or null if it has none (a 3-D network).</summary>
    public static ConvolutionWeights? FirstOf(nn.Module module)
    {
        foreach (var (name, child) in module.named_modules())
        {
            if (child is not TorchSharp.Modules.Conv2d { weight: { } weight }) continue;
            using var scope = NewDisposeScope();
            var values = weight.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
            var s = weight.shape;
            return new ConvolutionWeights(name, ((int)s[0], (int)s[1], (int)s[2], (int)s[3]), values);
        }
        return null;
    }

    /// <summary>
    /// The weight of the first <c>Conv</c> node of <paramref name="model"/> that convolves in 2-D, from the graph's
    /// initializers, or null if it has none.
    /// </summary>
    public static ConvolutionWeights? FirstOf(ModelProto model)
    {
        foreach (var node in model.Graph.Node.Where(n => n.OpType == "Conv" && n.Input.Count >= 2))
        {
            var weight = model.Graph.Initializer.FirstOrDefault(t => t.Name == node.Input[1]);
            if (weight is null || weight.Dims.Count != 4 || weight.DataType != (int)TensorProto.Types.DataType.Float) continue;
            var values = weight.RawData.Length > 0
                ? MemoryMarshal.Cast<byte, float>(weight.RawData.Span).ToArray() // little-endian, as ONNX stores raw data
                : weight.FloatData.ToArray();
            var name = node.Name is { Length: > 0 } n ? n : weight.Name;
            return new ConvolutionWeights(name, ((int)weight.Dims[0], (int)weight.Dims[1], (int)weight.Dims[2], (int)weight.Dims[3]), values);
        }
        return null;
    }
}
