namespace CnnMl.Training;

/// <summary>The optimizer <see cref="CnnTrainer"/> trains with (<see cref="CnnTrainerOptions.Optimizer"/>).</summary>
public enum CnnOptimizer
{
    /// <summary>
    /// Adam (<c>torch.optim.Adam</c>: betas 0.9, 0.999, eps 1e-8), the source document's choice. Weight decay is added
    /// to the gradient (L2 regularisation).
    /// </summary>
    Adam,

    /// <summary>
    /// AdamW (<c>torch.optim.AdamW</c>: Adam with decoupled weight decay — each step shrinks every weight by
    /// lr × weight decay, independently of the gradient's scale). Weight decay defaults to PyTorch's 0.01.
    /// </summary>
    AdamW,

    /// <summary>
    /// Stochastic gradient descent (<c>torch.optim.SGD</c>) with optional momentum, Nesterov momentum and weight decay
    /// (added to the gradient).
    /// </summary>
    Sgd,
}
