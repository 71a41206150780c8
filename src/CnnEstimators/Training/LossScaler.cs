using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>
/// Dynamic loss scaling for float16 training, as PyTorch's <c>torch.amp.GradScaler</c> with its defaults: the loss
/// is multiplied by the scale (initially 65,536) before the backward pass so small gradients do not underflow in
/// float16; the gradients are divided back before the optimizer step; a step whose gradients hold an infinity or NaN
/// is skipped and the scale halved; after 2,000 steps in a row without overflow the scale doubles.
/// </summary>
internal sealed class LossScaler
{
    /// <summary>GradScaler's initial scale, 2¹⁶.</summary>
    public const double InitialScale = 65_536;

    /// <summary>GradScaler's growth interval.</summary>
    public const int GrowthInterval = 2_000;

    private int _goodSteps;

    /// <summary>The current scale.</summary>
    public double Scale { get; private set; } = InitialScale;

    /// <summary>Steps skipped because their gradients overflowed.</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>
    /// Backward pass of <paramref name="loss"/> × <see cref="Scale"/>, gradients of <paramref name="parameters"/> divided
    /// back, then the optimizer step — unless a gradient is not finite, in which case the step is skipped and the
    /// scale halved. Returns whether the step was taken.
    /// </summary>
    public bool BackwardAndStep(Tensor loss, optim.Optimizer optimizer, IReadOnlyList<Tensor> parameters)
    {
        (loss * Scale).backward();
        var finite = true;
        using (no_grad())
        {
            foreach (var p in parameters)
            {
                if (p.grad is not { } grad) continue;
                grad.mul_(1.0 / Scale);
                if (finite && !grad.isfinite().all().item<bool>()) finite = false;
            }
        }
        if (!finite)
        {
            SkippedSteps++;
            Scale /= 2;
            _goodSteps = 0;
            return false;
        }
        optimizer.step();
        if (++_goodSteps == GrowthInterval)
        {
            Scale *= 2;
            _goodSteps = 0;
        }
        return true;
    }
}
