using CnnMl.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Architectures;

/// <summary>
/// The source document's MNIST network (its <c>CNN</c> class): three conv "sets" and a linear
/// classifier. Parameter names are PyTorch's for the same definition (<c>conv1.0.weight</c> …
/// <c>out.bias</c>), so a <c>state_dict</c> saved by PyTorch loads unchanged.
/// </summary>
/// <remarks>
/// conv1: conv 5×5 C→16 (pad 2), ReLU, max-pool 2 · conv2: conv 16→32, ReLU, conv 32→32, ReLU,
/// max-pool 2 · conv3: conv 32→64, ReLU · out: linear 64·(H/4)·(W/4) → classes.
/// For 1×28×28 and 10 classes: 121,514 parameters.
/// </remarks>
public sealed class MnistCnn : Module<Tensor, Tensor>, IOnnxExportable
{
    private const int Kernel = 5;
    private const int Padding = 2; // (kernel − 1) / 2 keeps H×W
    private static readonly int[] Widths = { 16, 32, 64 };

    // Field names are the PyTorch attribute names: they become the state-dict keys.
    private readonly Sequential conv1;
    private readonly Sequential conv2;
    private readonly Sequential conv3;
    private readonly Linear @out;

    /// <summary>Builds the network for a C×H×W input (H, W ≥ 4) and <paramref name="classes"/> outputs.</summary>
    public MnistCnn(ImageShape input, int classes) : base(CnnArchitectures.MnistCnn)
    {
        ShapeGuard.RequireSpatialRank(CnnArchitectures.MnistCnn, input, 2);
        ShapeGuard.RequireAtLeast(CnnArchitectures.MnistCnn, input, 4, "two 2×2 max-pools");

        conv1 = Sequential(
            Conv2d(input.Channels, Widths[0], Kernel, stride: 1, padding: Padding),
            ReLU(),
            MaxPool2d(2));
        conv2 = Sequential(
            Conv2d(Widths[0], Widths[1], Kernel, stride: 1, padding: Padding),
            ReLU(),
            Conv2d(Widths[1], Widths[1], Kernel, stride: 1, padding: Padding),
            ReLU(),
            MaxPool2d(2));
        conv3 = Sequential(
            Conv2d(Widths[1], Widths[2], Kernel, stride: 1, padding: Padding),
            ReLU());
        var height = input.Spatial[0] / 2 / 2;
        var width = input.Spatial[1] / 2 / 2;
        @out = Linear(Widths[2] * height * width, classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var features = conv3.call(conv2.call(conv1.call(x)));
        return @out.call(features.flatten(1)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var features = graph.Module(conv3, graph.Module(conv2, graph.Module(conv1, input)));
        return graph.Module(@out, graph.Flatten(features, 1));
    }
}
