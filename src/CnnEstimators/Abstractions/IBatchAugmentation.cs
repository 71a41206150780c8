using static TorchSharp.torch;

namespace CnnMl.Abstractions;

/// <summary>
/// Changes each training batch before the forward pass (random crops, flips, small affine transforms, …). Set it as
/// <c>CnnTrainerOptions.Augmentation</c>; <c>CnnMl.Training.ImageAugmentation</c> is the built-in one.
/// </summary>
/// <remarks>
/// Called for training batches only (never for validation or scoring), inside the step's dispose scope, outside the
/// autograd graph of the parameters. Draw every random number from the generator passed in: the trainer seeds a
/// fresh CPU generator for every epoch from the training seed (the <c>MLContext</c>'s unless
/// <c>CnnTrainerOptions.Seed</c> is set) and the epoch, so a run repeats exactly, and a resumed run continues the
/// same stream. On another device, draw on the CPU with the generator and move the result.
/// </remarks>
public interface IBatchAugmentation
{
    /// <summary>Returns the augmented batch, with the same shape, type and device as <paramref name="images"/>.</summary>
    /// <param name="images">The batch, <c>(N, C, H, W)</c> for images or <c>(N, C, D, H, W)</c> for volumes.</param>
    /// <param name="generator">The random stream to draw from.</param>
    Tensor Augment(Tensor images, Generator generator);
}
