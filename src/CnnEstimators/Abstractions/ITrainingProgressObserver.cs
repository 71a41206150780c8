namespace CnnMl.Abstractions;

/// <summary>
/// Implemented by a network (or any of its submodules) that changes with training progress, such as
/// CondenseNet's learned group convolutions, which condense at fixed fractions of training. The trainer
/// finds every such module in the tree and calls it before each training batch's forward pass.
/// </summary>
public interface ITrainingProgressObserver
{
    /// <summary>Called before each training batch, in training mode, outside any autograd graph.</summary>
    void OnTrainingProgress(TrainingProgress progress);
}
