using CnnMl.Scoring;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Interpretation;

/// <summary>
/// Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
/// Localization"), as the <c>pytorch-grad-cam</c> project computes it: the gradient of a class's score (its logit)
/// with respect to a feature-map layer's activations, averaged over each channel, weights the channels; their sum,
/// through a ReLU, upsampled bilinearly to the input's size and scaled to [0, 1], is the map. With
/// <see cref="CamMethod.HiResCam"/> the gradient weighs each position itself instead of its channel mean (better for
/// networks that flatten their last map into the classifier, such as mnist-cnn; see <see cref="CamMethod"/>).
/// </summary>
/// <remarks>
/// <para>The target layer is found by a forward hook, which TorchSharp runs only for a module invoked through
/// <c>call()</c>: without a name, the last layer (in the order calls finish) whose output is a feature map larger than
/// 1×1 — the end of the convolution stage, before global pooling and the classifier.</para>
/// <para>The network is left as it was: its parameters get no gradient (only the activations' gradient is computed,
/// with <c>torch.autograd.grad</c>), it runs in eval mode, and each module's training flag is put back afterwards.
/// Do not score with the same network on other threads while <see cref="Compute(IReadOnlyList{float[]}, IReadOnlyList{int}?)"/>
/// runs: its hook ignores their passes, but they would see eval mode set.</para>
/// </remarks>
public sealed class GradCam
{
    /// <summary>Images per forward and backward pass.</summary>
    private const int ChunkSize = 32;

    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly nn.Module<Tensor, Tensor> _target;
    private readonly Device _device;

    /// <summary>Grad-CAM for <paramref name="model"/>, a network that maps (N, C, H, W) images to class logits.</summary>
    /// <param name="model">The network.</param>
    /// <param name="inputShape">One image's shape, C×H×W.</param>
    /// <param name="targetLayer">The layer to explain with (a path such as <c>conv3</c> or <c>layer4.1</c>); null to take the last feature-map layer.</param>
    /// <param name="method">How activations are weighted: <see cref="CamMethod.GradCam"/> (default) or <see cref="CamMethod.HiResCam"/>.</param>
    /// <exception cref="ArgumentException">The input is not a 2-D image, the network has no feature-map layer, or <paramref name="targetLayer"/> is not one.</exception>
    public GradCam(nn.Module<Tensor, Tensor> model, ImageShape inputShape, string? targetLayer = null, CamMethod method = CamMethod.GradCam)
        : this(model, inputShape, targetLayer, method, NameOf(model), DeviceOf(model))
    {
    }

    private GradCam(nn.Module<Tensor, Tensor> model, ImageShape inputShape, string? targetLayer, CamMethod method, string name, Device device)
    {
        if (!Enum.IsDefined(method)) throw new ArgumentOutOfRangeException(nameof(method), method, $"Unknown CAM method {method}: use GradCam or HiResCam.");
        Method = method;
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.SpatialRank != 2)
            throw new ArgumentException($"Grad-CAM explains 2-D images (C×H×W); '{name}' takes {inputShape}, whose feature maps are not (N, C, H, W).", nameof(inputShape));
        _model = model;
        _device = device;
        InputShape = inputShape;
        ModelName = name;
        var layers = FeatureMapLayer.Probe(model, inputShape, device, name);
        FeatureMapLayers = layers.Select(l => l.Path).ToArray();
        if (layers.Count == 0)
            throw new ArgumentException($"Grad-CAM needs a layer whose output is a feature map (N, C, H, W); architecture '{name}' has none that a hook can see " +
                                        $"for a {inputShape} input (hooks see only modules invoked through call()).", nameof(model));
        FeatureMapLayer chosen;
        if (targetLayer is null)
        {
            chosen = layers.LastOrDefault(l => l.Height * l.Width > 1) ?? throw new ArgumentException(
                $"Grad-CAM: every feature map of architecture '{name}' is 1×1 for a {inputShape} input, so there is nothing to localize. " +
                "Give a larger image, or name a layer.", nameof(inputShape));
        }
        else
        {
            chosen = layers.LastOrDefault(l => l.Path == targetLayer) ?? throw new ArgumentException(
                model.named_modules().Any(m => m.name == targetLayer)
                    ? $"Grad-CAM: layer '{targetLayer}' of '{name}' gives no feature map (N, C, H, W) that a hook can see (its output is not 4-D, or its parent runs its forward without call()). Feature-map layers: {string.Join(", ", FeatureMapLayers)}."
                    : $"Grad-CAM: '{name}' has no layer '{targetLayer}'. Feature-map layers: {string.Join(", ", FeatureMapLayers)}.",
                nameof(targetLayer));
        }
        _target = chosen.Module;
        TargetLayer = chosen.Path;
    }

    /// <summary>Grad-CAM for a trained model's network, on its device and input shape.</summary>
    /// <param name="model">The trained transformer.</param>
    /// <param name="targetLayer">The layer to explain with; null to take the last feature-map layer.</param>
    /// <param name="method">How activations are weighted: <see cref="CamMethod.GradCam"/> (default) or <see cref="CamMethod.HiResCam"/>.</param>
    public static GradCam For(CnnTransformer model, string? targetLayer = null, CamMethod method = CamMethod.GradCam)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new GradCam(model.Module, model.Definition.ImageShape, targetLayer, method, model.Definition.Architecture, model.Device);
    }

    /// <summary>How activations are weighted by gradients.</summary>
    public CamMethod Method { get; }

    /// <summary>The network's name (the architecture's, for <see cref="For"/>), for messages and titles.</summary>
    public string ModelName { get; }

    /// <summary>One image's shape, C×H×W.</summary>
    public ImageShape InputShape { get; }

    /// <summary>The layer the maps are computed from.</summary>
    public string TargetLayer { get; }

    /// <summary>Every layer a hook saw produce a feature map, in the order their calls finish: the choices for the target layer.</summary>
    public IReadOnlyList<string> FeatureMapLayers { get; }

    /// <summary>The map of one image (C·H·W values, channels first, as the model's image column holds them).</summary>
    /// <param name="image">The image.</param>
    /// <param name="targetClass">The class to explain (class index); null for the predicted class.</param>
    public GradCamMap Compute(IReadOnlyList<float> image, int? targetClass = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Compute([image as float[] ?? image.ToArray()], targetClass is { } c ? [c] : null)[0];
    }

    /// <summary>The maps of several images, in order.</summary>
    /// <param name="images">The images, C·H·W values each.</param>
    /// <param name="targetClasses">One class index per image; null for each image's predicted class.</param>
    public IReadOnlyList<GradCamMap> Compute(IReadOnlyList<float[]> images, IReadOnlyList<int>? targetClasses = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        var size = InputShape.ElementCount;
        for (var i = 0; i < images.Count; i++)
        {
            if (images[i] is null || images[i].Length != size)
                throw new ArgumentException($"Image {i} has {images[i]?.Length ?? 0} values; '{ModelName}' takes {InputShape} = {size}.", nameof(images));
        }
        if (targetClasses is not null && targetClasses.Count != images.Count)
            throw new ArgumentException($"Give one target class per image: {targetClasses.Count} classes for {images.Count} images.", nameof(targetClasses));

        var maps = new List<GradCamMap>(images.Count);
        var modes = _model.modules().Prepend(_model).Select(m => (Module: m, m.training)).ToArray();
        try
        {
            _model.eval();
            for (var start = 0; start < images.Count; start += ChunkSize)
            {
                var count = Math.Min(ChunkSize, images.Count - start);
                maps.AddRange(ComputeChunk(images.Skip(start).Take(count).ToArray(), targetClasses?.Skip(start).Take(count).ToArray()));
            }
        }
        finally
        {
            // Parents first: train(bool) recurses, so each descendant's own mode is set after its parent's.
            foreach (var (module, training) in modes) module.train(training);
        }
        return maps;
    }

    private IEnumerable<GradCamMap> ComputeChunk(float[][] images, int[]? targetClasses)
    {
        var n = images.Length;
        var (height, width) = (InputShape.Spatial[0], InputShape.Spatial[1]);
        // The target's outputs on this thread, kept until the gradient has been taken: the network's dispose scopes
        // end with its forward, and a Sequential disposes each child's output once the next child has used it. So the
        // hook keeps the output itself and passes an alias on (same values, and the gradient flows back through it).
        var captured = new List<Tensor>();
        var thread = Environment.CurrentManagedThreadId;
        var hook = _target.register_forward_hook((_, _, output) =>
        {
            if (Environment.CurrentManagedThreadId != thread) return null!;
            captured.Add(output.DetachFromDisposeScope());
            return output.alias();
        });
        try
        {
            using var scope = NewDisposeScope();
            using var gradients = enable_grad();
            // An input that requires a gradient makes every activation require one, even when all parameters are frozen.
            var x = tensor(images.SelectMany(i => i).ToArray(), InputShape.WithBatch(n)).to(_device).requires_grad_(true);
            var logits = _model.call(x);
            if (logits.dim() != 2 || logits.shape[0] != n)
                throw new InvalidOperationException($"Grad-CAM: '{ModelName}' returned shape [{string.Join(", ", logits.shape)}] for {n} images; it must return [N, classes] logits.");
            var classes = logits.shape[1];
            var activation = captured.LastOrDefault() ?? throw new InvalidOperationException(
                $"Grad-CAM: layer '{TargetLayer}' of '{ModelName}' was not called in the forward pass.");
            var predicted = logits.argmax(1);
            Tensor target;
            if (targetClasses is null) target = predicted;
            else
            {
                var bad = targetClasses.FirstOrDefault(c => c < 0 || c >= classes, -1);
                if (targetClasses.Any(c => c < 0 || c >= classes))
                    throw new ArgumentOutOfRangeException(nameof(targetClasses), bad, $"Target class {bad} is not a class of '{ModelName}' (0 to {classes - 1}).");
                target = tensor(targetClasses.Select(c => (long)c).ToArray()).to(_device);
            }
            var score = logits.gather(1, target.unsqueeze(1)).sum();
            var gradient = autograd.grad([score], [activation], allow_unused: true)[0];
            if (gradient is null || gradient.IsInvalid)
                throw new InvalidOperationException($"Grad-CAM: the class score of '{ModelName}' does not depend on layer '{TargetLayer}'. Name a layer on the path to the classifier.");

            using var noGrad = no_grad();
            var weights = Method == CamMethod.GradCam ? gradient.mean([2, 3], keepdim: true) : gradient;
            var cam = nn.functional.relu((weights * activation.detach()).sum(1, keepdim: true));
            var upsampled = nn.functional.interpolate(cam, size: [height, width], mode: InterpolationMode.Bilinear, align_corners: false).flatten(1);
            var low = upsampled.amin([1], keepdim: true);
            var range = upsampled.amax([1], keepdim: true) - low;
            // A map with no positive region is all zeros (pytorch-grad-cam's 1e-7 in the divisor gives the same).
            var scaled = where(range > 0, (upsampled - low) / where(range > 0, range, ones_like(range)), zeros_like(upsampled));
            var values = scaled.to(float32).cpu().data<float>().ToArray();
            var probabilities = nn.functional.softmax(logits.detach(), 1).to(float32).cpu().data<float>().ToArray();
            var targets = target.cpu().data<long>().ToArray();
            var predictions = predicted.cpu().data<long>().ToArray();
            var pixels = (int)(height * width);
            var maps = new GradCamMap[n];
            for (var i = 0; i < n; i++)
            {
                maps[i] = new GradCamMap(values.AsSpan(i * pixels, pixels).ToArray(), (int)height, (int)width, (int)targets[i],
                    probabilities[i * classes + targets[i]], (int)predictions[i], probabilities[i * classes + predictions[i]], TargetLayer);
            }
            return maps;
        }
        finally
        {
            hook.remove();
            foreach (var t in captured) t.Dispose();
        }
    }

    private static string NameOf(nn.Module<Tensor, Tensor> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.GetName();
    }

    private static Device DeviceOf(nn.Module<Tensor, Tensor> model) => model.parameters().FirstOrDefault()?.device ?? CPU;
}
