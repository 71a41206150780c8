using static TorchSharp.torch;

namespace CnnMl.Abstractions;

/// <summary>
/// Implemented by a network (or any of its submodules) that adds a regulariser to the training loss,
/// such as CondenseNet's group-lasso. The trainer finds every such module and adds their terms to the
/// cross-entropy of each batch.
/// </summary>
public interface ITrainingLossTerm
{
    /// <summary>
    /// A scalar tensor to add to the loss, differentiable with respect to the module's parameters, or
    /// null for no term at this step. Called inside the training step's dispose scope, after the forward pass.
    /// </summary>
    Tensor? ComputeLossTerm();
}
