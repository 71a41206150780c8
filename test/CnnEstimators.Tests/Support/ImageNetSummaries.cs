using System.Collections.Concurrent;
using CnnMl.Architectures;
using CnnMl.Inspection;
using static TorchSharp.torch;
using TorchVisionModels = TorchSharp.torchvision.models;

namespace CnnMl.Tests.Support;

/// <summary>
/// Summaries at 3×224×224 of the registry's ImageNet builders and of TorchSharp's TorchVision peers, each computed once
/// per test run: ZooSummaryTests, TorchVisionSummaryTests and ImageNetNetworkTests check different things of the same
/// summaries (building a network and running it at 224×224 takes seconds each).
/// </summary>
internal static class ImageNetSummaries
{
    /// <summary>A summary, with the sum of the network's parameter sizes counted from the module itself.</summary>
    public sealed record Entry(ModelSummary Summary, long ParameterSum);

    private static readonly ImageShape ImageNet = new(3, 224, 224);
    private static readonly ConcurrentDictionary<string, Lazy<Entry>> Registry = new();
    private static readonly ConcurrentDictionary<string, Lazy<Entry>> TorchVision = new();

    /// <summary>The registry's <paramref name="architecture"/> at its default input and class count.</summary>
    public static Entry OfRegistry(string architecture) => Registry.GetOrAdd(architecture, name => new Lazy<Entry>(() =>
    {
        var entry = CnnArchitectures.Get(name);
        using var module = entry.Create(entry.DefaultInput, entry.DefaultClasses);
        return new Entry(ModelSummary.Of(module, entry.DefaultInput, entry.Name), module.parameters().Sum(p => p.numel()));
    })).Value;

    /// <summary>TorchSharp's TorchVision builder of the same name as the registry's <paramref name="architecture"/>, at 3×224×224.</summary>
    public static Entry OfTorchVision(string architecture) => TorchVision.GetOrAdd(architecture, name => new Lazy<Entry>(() =>
    {
        using nn.Module<Tensor, Tensor> module = name switch
        {
            CnnArchitectures.ResNet18 => TorchVisionModels.resnet18(),
            CnnArchitectures.ResNet50 => TorchVisionModels.resnet50(),
            CnnArchitectures.ResNeXt50_32x4d => TorchVisionModels.resnext50_32x4d(),
            CnnArchitectures.MobileNetV2 => TorchVisionModels.mobilenet_v2(),
            _ => throw new ArgumentException($"No TorchVision peer for '{name}'.", nameof(architecture)),
        };
        return new Entry(ModelSummary.Of(module, ImageNet, TorchVisionName(name)), module.parameters().Sum(p => p.numel()));
    })).Value;

    private static string TorchVisionName(string architecture) => architecture switch
    {
        CnnArchitectures.ResNet18 => "resnet18",
        CnnArchitectures.ResNet50 => "resnet50",
        CnnArchitectures.ResNeXt50_32x4d => "resnext50_32x4d",
        _ => "mobilenet_v2",
    };
}
