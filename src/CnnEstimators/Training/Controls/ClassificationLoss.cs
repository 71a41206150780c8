using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// The training criterion: cross-entropy with <see cref="CnnTrainerOptions.LabelSmoothing"/> and
/// <see cref="CnnTrainerOptions.ClassWeights"/>, as <c>torch.nn.functional.cross_entropy(weight, label_smoothing)</c>
/// computes it. Validation loss is always the plain cross-entropy, comparable with ML.NET's log-loss.
/// </summary>
internal sealed class ClassificationLoss : IDisposable
{
    private readonly Tensor? _weights;

    public ClassificationLoss(double labelSmoothing, IReadOnlyList<float>? classWeights, Device device)
    {
        LabelSmoothing = labelSmoothing;
        if (classWeights is not null)
        {
            var weights = tensor(classWeights.ToArray());
            _weights = (device.type == DeviceType.CPU ? weights : weights.to(device)).DetachFromDisposeScope();
        }
    }

    /// <summary>The smoothing ε: the target is (1 − ε) on the label plus ε / classes on every class.</summary>
    public double LabelSmoothing { get; }

    /// <summary>Mean loss of a batch: Σᵢ w_yᵢ ℓᵢ / Σᵢ w_yᵢ with weights, the plain mean without.</summary>
    public Tensor Compute(Tensor logits, Tensor labels) =>
        nn.functional.cross_entropy(logits, labels, weight: _weights, label_smoothing: LabelSmoothing);

    public void Dispose() => _weights?.Dispose();
}
