using CnnMl.Abstractions;
using CnnMl.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// One optimizer step on one batch, inside its own dispose scope: the augmentation, the forward pass and the loss
/// (plus the architecture's loss terms) under the mixed-precision setting, the backward pass and the update. The
/// training loop and the learning-rate range test take the same step.
/// </summary>
internal sealed class TrainingStep
{
    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly Device _device;
    private readonly ITrainingLossTerm[] _lossTerms;
    private readonly MixedPrecisionTraining _precision;

    public TrainingStep(nn.Module<Tensor, Tensor> module, Device device, MixedPrecision precision)
    {
        _module = module;
        _device = device;
        _lossTerms = module.modules().Prepend(module).Distinct().OfType<ITrainingLossTerm>().ToArray();
        _precision = new MixedPrecisionTraining(precision, device, module);
    }

    /// <summary>Trains on <paramref name="examples"/> once; returns the batch's loss (before the update) and its correct predictions.</summary>
    public (double Loss, long Correct) Run(optim.Optimizer optimizer, TrainingControls controls, int epoch, ExampleBatch examples)
    {
        using var scope = NewDisposeScope();
        var x = controls.Augment(ToDevice(examples.Images(), examples.Pinned), epoch);
        var y = ToDevice(examples.Labels(), examples.Pinned);
        Tensor logits, loss;
        using (_precision.Forward())
        {
            logits = _module.call(x);
            loss = controls.Loss.Compute(logits, y);
            foreach (var term in _lossTerms)
            {
                if (term.ComputeLossTerm() is { } extra) loss = loss + extra;
            }
        }
        optimizer.zero_grad();
        _precision.BackwardAndStep(loss, optimizer);
        return (loss.to(float32).item<float>(), logits.argmax(1).eq(y).sum().item<long>());
    }

    /// <summary>The host tensor on the training device; from pinned memory the copy is asynchronous (the step's <c>item()</c> waits for it).</summary>
    public Tensor ToDevice(Tensor t, bool pinned) => _device.type == DeviceType.CPU ? t : t.to(_device, non_blocking: pinned);
}
