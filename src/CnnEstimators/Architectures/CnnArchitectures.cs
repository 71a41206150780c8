using System.Diagnostics.CodeAnalysis;

namespace CnnMl.Architectures;

/// <summary>
/// The architecture registry: every network CnnMl can train, by name. Names are part of the public
/// contract (they appear in saved models and on the command line).
/// </summary>
public static class CnnArchitectures
{
    /// <summary>The source document's MNIST CNN (<see cref="Architectures.MnistCnn"/>).</summary>
    public const string MnistCnn = "mnist-cnn";

    /// <summary>d2l LeNet-5 with sigmoid and average pooling (<see cref="Architectures.LeNet5"/>).</summary>
    public const string LeNet5 = "lenet5";

    /// <summary>torchvision's ResNet-18 for ImageNet (<see cref="ResNet.ResNet18"/>).</summary>
    public const string ResNet18 = "resnet18";

    /// <summary>torchvision's ResNet-50 for ImageNet (<see cref="ResNet.ResNet50"/>).</summary>
    public const string ResNet50 = "resnet50";

    /// <summary>torchvision's ResNeXt-50 32×4d for ImageNet (<see cref="ResNet.ResNeXt50_32x4d"/>).</summary>
    public const string ResNeXt50_32x4d = "resnext50-32x4d";

    /// <summary>torchvision's MobileNetV2 for ImageNet (<see cref="Architectures.MobileNetV2"/>).</summary>
    public const string MobileNetV2 = "mobilenet-v2";

    /// <summary>A small MNIST network of depthwise separable convolutions (<see cref="DepthwiseSeparableNet"/>).</summary>
    public const string DepthwiseSeparable = "depthwise-separable";

    /// <summary>A small MNIST network of group convolutions (<see cref="GroupConvNet"/>).</summary>
    public const string GroupConv = "group-conv";

    /// <summary>A small MNIST ResNet of bottleneck blocks (<see cref="BottleneckNet"/>).</summary>
    public const string ResNetBottleneck = "resnet-bottleneck";

    /// <summary>A small 3D CNN for C×D×H×W volumes (<see cref="Conv3dNet"/>).</summary>
    public const string Conv3d = "conv3d";

    /// <summary>A small CondenseNet for MNIST (<see cref="CondenseNetConfiguration.Mnist"/>).</summary>
    public const string CondenseNet = "condensenet";

    /// <summary>CondenseNet-86 for CIFAR (<see cref="CondenseNetConfiguration.CondenseNet86"/>).</summary>
    public const string CondenseNet86 = "condensenet86";

    /// <summary>CondenseNet-74 (C = G = 4) for ImageNet (<see cref="CondenseNetConfiguration.CondenseNet74"/>).</summary>
    public const string CondenseNet74 = "condensenet74";

    /// <summary>bL-ResNet-50 of Big-Little Net, α = 2, β = 4, for 3×224×224 (<see cref="BigLittleResNet"/>).</summary>
    public const string BLResNet50 = "blresnet50";

    /// <summary>A small bL-ResNet for 1×28×28 digits (<see cref="BigLittleResNet"/>, <see cref="BigLittleConfiguration.Mnist"/>).</summary>
    public const string BigLittle = "biglittle";

    // One lock guards both: the map for look-up, the list for the order of `All`.
    private static readonly object Gate = new();
    private static readonly Dictionary<string, CnnArchitecture> Registry = new(StringComparer.OrdinalIgnoreCase);
    private static readonly List<CnnArchitecture> Order = new();

    static CnnArchitectures()
    {
        // Each family declares its entries beside its modules (ICnnArchitectureFamily); they are found here
        // once, in a fixed order, so `cnnml architectures` always lists them the same way.
        var families = typeof(CnnArchitectures).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICnnArchitectureFamily).IsAssignableFrom(t))
            .Select(t => (ICnnArchitectureFamily)Activator.CreateInstance(t, nonPublic: true)!)
            .OrderBy(f => f.Order)
            .ThenBy(f => f.GetType().FullName, StringComparer.Ordinal);
        foreach (var family in families)
        {
            foreach (var architecture in family.Entries) Register(architecture);
        }
    }

    /// <summary>All registered architectures, in registration order.</summary>
    public static IReadOnlyList<CnnArchitecture> All
    {
        get
        {
            lock (Gate) return Order.ToArray();
        }
    }

    /// <summary>The architecture registered under <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No such architecture; the message (<see cref="UnknownArchitectureMessage"/>) lists the known names.</exception>
    public static CnnArchitecture Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (TryGet(name, out var architecture)) return architecture;
        throw new ArgumentException(UnknownArchitectureMessage(name), nameof(name));
    }

    /// <summary>True and the entry if <paramref name="name"/> is registered (case-insensitive).</summary>
    public static bool TryGet(string name, [NotNullWhen(true)] out CnnArchitecture? architecture)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (Gate) return Registry.TryGetValue(name, out architecture);
    }

    /// <summary>
    /// What to say when <paramref name="name"/> is not registered: the name and every known name, e.g.
    /// <c>Unknown architecture 'alexnet'. Known architectures: mnist-cnn, lenet5, …</c>. The library's
    /// exceptions and the console's option checks use this one text.
    /// </summary>
    public static string UnknownArchitectureMessage(string name) =>
        $"Unknown architecture '{name}'. Known architectures: {string.Join(", ", All.Select(a => a.Name))}.";

    /// <summary>Adds an architecture. Throws if the name is taken.</summary>
    public static void Register(CnnArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        lock (Gate)
        {
            if (!Registry.TryAdd(architecture.Name, architecture))
                throw new ArgumentException($"An architecture named '{architecture.Name}' is already registered.", nameof(architecture));
            Order.Add(architecture);
        }
    }
}
