using CnnMl.Architectures;
using CnnMl.Onnx;
using CnnMl.Training;
using static TorchSharp.torch;

namespace CnnMl.Tests.Onnx;

/// <summary>
/// Every registry architecture exports to ONNX and ONNX Runtime reproduces TorchSharp's outputs on random inputs
/// (with random batch-norm statistics), loading each file without a warning.
/// </summary>
[TestClass]
public sealed class OnnxExportTests
{
    /// <summary>The registry, so that a new architecture is covered (and fails until it has an export).</summary>
    public static IEnumerable<object[]> ArchitectureNames => CnnArchitectures.All.Select(a => new object[] { a.Name });

    /// <summary>The ImageNet-size networks are checked at 64×64 (batch 2 only); the rest at their default input.</summary>
    private const long SmallImageNetSize = 64;

    [TestMethod]
    [DynamicData(nameof(ArchitectureNames))]
    public void RegistryArchitectureExportMatchesTorchSharp(string name)
    {
        var architecture = CnnArchitectures.Get(name);
        var large = architecture.DefaultInput.Spatial.Any(s => s > SmallImageNetSize);
        var shape = large
            ? new ImageShape([architecture.DefaultInput.Channels, .. architecture.DefaultInput.Spatial.Select(_ => SmallImageNetSize)])
            : architecture.DefaultInput;
        int[] batches = large ? [2] : [3, 1];

        manual_seed(17);
        using var module = architecture.Create(shape, architecture.DefaultClasses);
        // A trained CondenseNet has condensed masks: export the masked (effective) weights.
        foreach (var learned in module.modules().OfType<LearnedGroupConv>()) learned.CondenseTo(1.0);
        OnnxExportCheck.RandomizeBatchNorms(module, shape, large ? 2 : 4);
        var result = OnnxExportCheck.Run(module, shape, batches);
        OnnxExportCheck.AssertWithinTolerance(result, $"{name} at {shape}");

        if (module is IConvertibleAfterTraining convertible)
        {
            using var converted = convertible.ConvertForInference();
            var convertedResult = OnnxExportCheck.Run(converted, shape, batches);
            OnnxExportCheck.AssertWithinTolerance(convertedResult, $"{name} (converted: {converted.GetType().Name}) at {shape}");
        }
    }
}
