using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Onnx;

/// <summary>
/// The ONNX export of TorchSharp's own modules, read from their public hyper-parameters (<c>stride</c>,
/// <c>padding</c>, <c>groups</c>, …) in eval-mode semantics: convolutions 1D/2D/3D (groups, stride, zero padding,
/// dilation), batch norm 1D/2D/3D with running statistics, ReLU, ReLU6 (<c>Clip</c>), Sigmoid, Tanh,
/// max and average pooling, adaptive average pooling (global, or any output size that divides the input),
/// Flatten, Linear (<c>Gemm</c>), dropout (identity), Identity, ChannelShuffle and Sequential.
/// </summary>
internal static class TorchModuleExport
{
    /// <summary>Exports one TorchSharp module applied to <paramref name="input"/>; returns the output value.</summary>
    /// <exception cref="NotSupportedException">The module type (or a setting of it) has no ONNX export; the message names the type and the module path.</exception>
    public static string Export(OnnxGraphBuilder graph, nn.Module module, string input)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(module);
        return module switch
        {
            IOnnxExportable exportable => exportable.ExportOnnx(graph, input),
            Sequential sequential => graph.Sequence(sequential.named_children().Select(c => c.module), input),
            Convolution conv => Convolution(graph, conv, input),
            BatchNorm norm => BatchNorm(graph, norm, input),
            Linear linear => Linear(graph, linear, input),
            ReLU => graph.Relu(input),
            ReLU6 => graph.Clip(input, 0, 6),
            Sigmoid => graph.Sigmoid(input),
            Tanh => graph.Node("Tanh", [input], graph.ShapeOf(input)),
            MaxPool1d pool => MaxPool(graph, pool, input, [pool.kernel_size], One(pool.stride), One(pool.padding), One(pool.dilation), pool.ceil_mode),
            MaxPool2d pool => MaxPool(graph, pool, input, pool.kernel_size, pool.stride, pool.padding, pool.dilation, pool.ceil_mode),
            MaxPool3d pool => MaxPool(graph, pool, input, pool.kernel_size, pool.stride, pool.padding, pool.dilation, pool.ceil_mode),
            AvgPool1d pool => AvgPool(graph, pool, input, [pool.kernel_size], One(pool.stride), One(pool.padding), pool.ceil_mode, pool.count_include_pad, null),
            AvgPool2d pool => AvgPool(graph, pool, input, pool.kernel_size, pool.stride, pool.padding, pool.ceil_mode, pool.count_include_pad, pool.divisor_override),
            AvgPool3d pool => AvgPool(graph, pool, input, pool.kernel_size, pool.stride, pool.padding, pool.ceil_mode, pool.count_include_pad, pool.divisor_override),
            AdaptiveAvgPool1d pool => AdaptiveAvgPool(graph, pool, input, [pool.output_size]),
            AdaptiveAvgPool2d pool => AdaptiveAvgPool(graph, pool, input, pool.output_size),
            AdaptiveAvgPool3d pool => AdaptiveAvgPool(graph, pool, input, pool.output_size),
            Flatten flatten => Flatten(graph, flatten, input),
            ChannelShuffle shuffle => graph.ChannelShuffle(input, shuffle.groups),
            // Eval mode: dropout passes its input through.
            Dropout or Dropout1d or Dropout2d or Dropout3d or AlphaDropout or FeatureAlphaDropout or Identity => input,
            _ => throw Unsupported(graph, module, "no ONNX export is known for this module type. Implement CnnMl.Abstractions.IOnnxExportable on it " +
                                                  "(next to its forward), or build it from supported TorchSharp modules"),
        };
    }

    /// <summary>The error for a module that cannot be exported: names its type, its path and why.</summary>
    public static NotSupportedException Unsupported(OnnxGraphBuilder graph, nn.Module module, string reason) =>
        new($"ONNX export: module '{(graph.CurrentPath.Length == 0 ? "(root)" : graph.CurrentPath)}' of type {module.GetType().FullName}: {reason}.");

    private static string Convolution(OnnxGraphBuilder graph, Convolution conv, string input)
    {
        if (conv.transposed) throw Unsupported(graph, conv, "transposed convolutions are not exported");
        if (conv.padding_mode != PaddingModes.Zeros)
            throw Unsupported(graph, conv, $"padding mode {conv.padding_mode} is not exported; only zero padding");
        var rank = conv.kernel_size.Length;
        long[] pads;
        if (conv.padding is { } padding) pads = [.. padding, .. padding];
        else if (conv.padding_type == Padding.Same)
        {
            // PyTorch's "same": total dilation·(k − 1), the smaller half first.
            var total = Enumerable.Range(0, rank).Select(i => conv.dilation[i] * (conv.kernel_size[i] - 1)).ToArray();
            pads = [.. total.Select(t => t / 2), .. total.Select(t => t - t / 2)];
        }
        else pads = new long[2 * rank];
        return graph.Conv(input, conv.weight, conv.bias, conv.stride, pads, conv.dilation, conv.groups);
    }

    private static string BatchNorm(OnnxGraphBuilder graph, BatchNorm norm, string input)
    {
        if (norm.running_mean is null || norm.running_var is null)
            throw Unsupported(graph, norm, "batch norm without running statistics (track_running_stats: false) normalizes with batch statistics in eval mode, which ONNX inference cannot reproduce");
        using var scope = NewDisposeScope();
        var scale = norm.weight ?? ones(norm.num_features);
        var bias = norm.bias ?? zeros(norm.num_features);
        return graph.BatchNormalization(input, scale, bias, norm.running_mean, norm.running_var, norm.eps);
    }

    private static string Linear(OnnxGraphBuilder graph, Linear linear, string input)
    {
        var shape = graph.ShapeOf(input);
        if (shape.Count == 2) return graph.Gemm(input, linear.weight, linear.bias);
        // N × … × in: MatMul with the transposed weight, then the bias.
        if (shape[^1] != linear.in_features) throw graph.Mismatch("Linear", $"input [{string.Join(", ", shape)}] does not end in {linear.in_features} features");
        using var scope = NewDisposeScope();
        long[] output = [.. shape.SkipLast(1), linear.out_features];
        var y = graph.Node("MatMul", [input, graph.Initializer("weight_t", linear.weight.t())], output);
        return linear.bias is null ? y : graph.Node("Add", [y, graph.Initializer("bias", linear.bias)], output);
    }

    private static string MaxPool(OnnxGraphBuilder graph, nn.Module pool, string input, long[] kernel, long[]? stride, long[]? padding, long[]? dilation, bool ceilMode)
    {
        if (ceilMode) throw Unsupported(graph, pool, "ceil_mode is not exported");
        var rank = kernel.Length;
        return graph.MaxPool(input, kernel, stride ?? kernel, Pads(padding, rank), dilation ?? Enumerable.Repeat(1L, rank).ToArray());
    }

    private static string AvgPool(OnnxGraphBuilder graph, nn.Module pool, string input, long[] kernel, long[]? stride, long[]? padding,
        bool ceilMode, bool countIncludePad, long? divisorOverride)
    {
        if (ceilMode) throw Unsupported(graph, pool, "ceil_mode is not exported");
        if (divisorOverride is not null) throw Unsupported(graph, pool, "divisor_override is not exported");
        return graph.AveragePool(input, kernel, stride ?? kernel, Pads(padding, kernel.Length), countIncludePad);
    }

    private static string AdaptiveAvgPool(OnnxGraphBuilder graph, nn.Module pool, string input, long[] outputSize)
    {
        var shape = graph.ShapeOf(input);
        var spatial = shape.Skip(2).ToArray();
        if (spatial.Length != outputSize.Length)
            throw graph.Mismatch("AdaptiveAvgPool", $"output size [{string.Join(", ", outputSize)}] for input [{string.Join(", ", shape)}]");
        if (outputSize.All(s => s == 1)) return graph.GlobalAveragePool(input);
        // PyTorch's window i spans [floor(i·in/out), ceil((i+1)·in/out)): a fixed kernel in/out exactly when out divides in.
        if (spatial.Zip(outputSize).Any(p => p.Second < 1 || p.First % p.Second != 0))
            throw Unsupported(graph, pool,
                $"adaptive average pooling from [{string.Join(", ", spatial)}] to [{string.Join(", ", outputSize)}] has windows of varying size; only output sizes that divide the input are exported");
        var kernel = spatial.Zip(outputSize, (size, output) => size / output).ToArray();
        return graph.AveragePool(input, kernel, kernel, new long[2 * kernel.Length], countIncludePad: false);
    }

    private static string Flatten(OnnxGraphBuilder graph, Flatten flatten, string input)
    {
        var shape = graph.ShapeOf(input);
        var start = flatten.start_dim < 0 ? flatten.start_dim + shape.Count : flatten.start_dim;
        var end = flatten.end_dim < 0 ? flatten.end_dim + shape.Count : flatten.end_dim;
        if (start < 1 || end >= shape.Count || start > end)
            throw Unsupported(graph, flatten, $"flattening dimensions {flatten.start_dim}..{flatten.end_dim} of a rank-{shape.Count} value would merge the dynamic batch");
        // ONNX Flatten(axis) merges the dimensions before the axis too: it is torch.flatten only from dimension 1 to the end.
        if (start == 1 && end == shape.Count - 1) return graph.Flatten(input, 1);
        long[] target = [.. shape.Take((int)start), shape.Skip((int)start).Take((int)(end - start + 1)).Aggregate(1L, (a, b) => a * b), .. shape.Skip((int)end + 1)];
        return graph.Reshape(input, target);
    }

    private static long[]? One(long? value) => value is { } v ? [v] : null;

    private static long[] Pads(long[]? padding, int rank) =>
        padding is null ? new long[2 * rank] : [.. padding, .. padding];
}
