using CnnMl.Architectures;
using CnnMl.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Tests.Onnx;

/// <summary>
/// TorchSharp's primitive modules with the settings the registry does not use (1D convolutions, dilation, "same"
/// padding, padded pooling with and without counting the padding, adaptive pooling 6×6 → 2×2, partial Flatten, Linear on
/// a 3-D value, Tanh) export to what ONNX Runtime computes the same way; unsupported modules fail clearly.
/// </summary>
[TestClass]
public sealed class TorchModuleExportTests
{
    [TestMethod]
    [DataRow("conv1d")]
    [DataRow("conv2d")]
    [DataRow("conv3d")]
    public void PrimitiveModuleSettingsMatchTorchSharp(string kind)
    {
        manual_seed(3);
        var (module, shape) = Build(kind);
        using (module)
        {
            OnnxExportCheck.RandomizeBatchNorms(module, shape, 4);
            var result = OnnxExportCheck.Run(module, shape, [3, 1]);
            OnnxExportCheck.AssertWithinTolerance(result, kind);
        }
    }

    [TestMethod]
    public void AnUnsupportedModuleIsNamedWithItsPath()
    {
        using var module = Sequential(
            ("features", Sequential(Conv2d(1, 4, 3), GELU())),
            ("flatten", Flatten()),
            ("fc", Linear(4 * 26 * 26, 10)));
        var error = Assert.ThrowsExactly<NotSupportedException>(() => OnnxModelExporter.ExportToBytes(module, new ImageShape(1, 28, 28)));
        StringAssert.Contains(error.Message, "'features.1'");
        StringAssert.Contains(error.Message, "TorchSharp.Modules.GELU");
        StringAssert.Contains(error.Message, "IOnnxExportable");
    }

    [TestMethod]
    public void AnUnsupportedSettingIsNamed()
    {
        using var module = Sequential(("pool", AvgPool2d(2, ceil_mode: true)), ("flatten", Flatten()), ("fc", Linear(14 * 14, 10)));
        var error = Assert.ThrowsExactly<NotSupportedException>(() => OnnxModelExporter.ExportToBytes(module, new ImageShape(1, 28, 28)));
        StringAssert.Contains(error.Message, "'pool'");
        StringAssert.Contains(error.Message, "ceil_mode");
    }

    [TestMethod]
    public void AdaptivePoolingWithUnequalWindowsIsRefused()
    {
        // 7 → 3: PyTorch's windows are [0, 3), [2, 5), [4, 7) — overlapping, not one kernel.
        using var module = Sequential(("pool", AdaptiveAvgPool2d(3)), ("flatten", Flatten()), ("fc", Linear(9, 10)));
        var error = Assert.ThrowsExactly<NotSupportedException>(() => OnnxModelExporter.ExportToBytes(module, new ImageShape(1, 7, 7)));
        StringAssert.Contains(error.Message, "varying size");
    }

    private static (Module<Tensor, Tensor> Module, ImageShape Shape) Build(string kind) => kind switch
    {
        "conv1d" => (Sequential(
            Conv1d(4, 8, 3, dilation: 2, padding: Padding.Same),
            BatchNorm1d(8),
            ReLU6(),
            MaxPool1d(3, stride: 2, padding: 1),
            AvgPool1d(2, stride: 2, padding: 1, count_include_pad: false),
            Flatten(),
            Linear(8 * 6, 5)), new ImageShape(4, 20)),
        "conv2d" => (Sequential(
            Conv2d(3, 8, 3, stride: 2, padding: 1, dilation: 2),
            Conv2d(8, 8, 3, padding: 1, groups: 4, bias: false),
            BatchNorm2d(8),
            ReLU(),
            AvgPool2d(3, stride: 1, padding: 1),
            MaxPool2d(kernel_size: 3, stride: 1, padding: 1, dilation: 2),
            AdaptiveAvgPool2d(2),
            Flatten(2),
            Linear(4, 6),
            Tanh(),
            Flatten(),
            Dropout(0.5),
            Linear(8 * 6, 7)), new ImageShape(3, 17, 17)),
        "conv3d" => (Sequential(
            Conv3d(2, 4, 3, stride: 2, padding: 1),
            BatchNorm3d(4),
            Sigmoid(),
            AvgPool3d(2),
            AdaptiveAvgPool3d(1),
            Flatten(),
            Identity(),
            Linear(4, 3)), new ImageShape(2, 8, 12, 12)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
