using CnnMl.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// What <see cref="CnnTrainerOptions.MixedPrecision"/> changes in a training step: the forward pass (and the loss)
/// under autocast, and for float16 the backward pass and step through a <see cref="LossScaler"/>.
/// </summary>
internal sealed class MixedPrecisionTraining
{
    private readonly MixedPrecision _mode;
    private readonly DeviceType _device;
    private readonly Tensor[] _parameters;
    private readonly LossScaler? _scaler;

    public MixedPrecisionTraining(MixedPrecision mode, Device device, nn.Module module)
    {
        _mode = mode;
        _device = device.type;
        _parameters = module.parameters().Where(p => p.requires_grad).ToArray<Tensor>();
        _scaler = mode == MixedPrecision.Float16 ? new LossScaler() : null;
        if (mode != MixedPrecision.None && !Autocast.IsAvailable)
            throw new NotSupportedException($"MixedPrecision {mode} needs libtorch's at::autocast functions, which this libtorch does not export. Use MixedPrecision.None.");
    }

    /// <summary>The loss scaler (float16 only).</summary>
    public LossScaler? Scaler => _scaler;

    /// <summary>The autocast scope for the forward pass and loss; null in float32.</summary>
    public IDisposable? Forward() => _mode switch
    {
        MixedPrecision.BFloat16 => Autocast.Enter(_device, ScalarType.BFloat16),
        MixedPrecision.Float16 => Autocast.Enter(_device, ScalarType.Float16),
        _ => null,
    };

    /// <summary>Backward pass and optimizer step (scaled for float16, where an overflowing step is skipped).</summary>
    public void BackwardAndStep(Tensor loss, optim.Optimizer optimizer)
    {
        if (_scaler is { } scaler)
        {
            scaler.BackwardAndStep(loss, optimizer, _parameters);
            return;
        }
        loss.backward();
        optimizer.step();
    }
}
