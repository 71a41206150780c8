using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Samples.ConvFromScratch;

/// <summary>The squared-error loss after one step of <see cref="KernelLearning.Run"/>.</summary>
/// <param name="Step">1-based step number.</param>
/// <param name="Loss">Sum of squared errors of that step's prediction.</param>
public readonly record struct KernelLearningStep(int Step, double Loss);

/// <summary>What <see cref="KernelLearning.Run"/> reports: losses every few steps and the kernel it learned.</summary>
/// <param name="Losses">The loss at every reported step.</param>
/// <param name="Kernel">The learned kernel, row-major (1×2: <c>[k₀, k₁]</c>; ≈ [1, −1] after 10 steps).</param>
public sealed record KernelLearningResult(IReadOnlyList<KernelLearningStep> Losses, IReadOnlyList<float> Kernel);

/// <summary>
/// The source document's "learning a kernel" experiment: from the edge-detection pair
/// (<see cref="EdgeDetection.Image"/>, its <c>corr2d</c> with <c>[1, −1]</c>) a randomly initialized
/// <c>nn.Conv2d(1, 1, kernel_size=(1, 2), bias=False)</c> recovers the kernel by gradient descent on the
/// summed squared error, updating <c>weight −= lr · grad</c> by hand.
/// </summary>
public static class KernelLearning
{
    /// <summary>The source document's step count.</summary>
    public const int DefaultSteps = 10;

    /// <summary>The source document's learning rate, 3e-2.</summary>
    public const double DefaultLearningRate = 3e-2;

    /// <summary>The source document prints the loss every 2 steps.</summary>
    public const int DefaultReportEvery = 2;

    /// <summary>Runs the experiment.</summary>
    /// <param name="steps">Gradient steps.</param>
    /// <param name="learningRate">Step size of the manual SGD update.</param>
    /// <param name="reportEvery">Record the loss after every this many steps.</param>
    /// <param name="initialKernel">Start from this 1×2 kernel instead of PyTorch's random initialization.</param>
    public static KernelLearningResult Run(int steps = DefaultSteps, double learningRate = DefaultLearningRate,
        int reportEvery = DefaultReportEvery, IReadOnlyList<float>? initialKernel = null)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "Run at least one step.");
        if (reportEvery < 1) throw new ArgumentOutOfRangeException(nameof(reportEvery), reportEvery, "Report every 1 or more steps.");
        if (initialKernel is { Count: not 2 })
            throw new ArgumentException($"The initial kernel is 1×2; got {initialKernel.Count} values.", nameof(initialKernel));

        using var scope = NewDisposeScope();
        using var conv2d = Conv2d(1, 1, (1, 2), bias: false);
        if (initialKernel is not null)
        {
            using var noGrad = no_grad();
            conv2d.weight.copy_(tensor(initialKernel.ToArray()).reshape(1, 1, 1, 2));
        }

        // Batch and channel dimensions of 1: (1, 1, 6, 8) → (1, 1, 6, 7).
        var image = EdgeDetection.Image();
        var X = image.reshape(1, 1, image.shape[0], image.shape[1]);
        var target = Corr2d.Compute(image, EdgeDetection.Kernel());
        var Y = target.reshape(1, 1, target.shape[0], target.shape[1]);

        var losses = new List<KernelLearningStep>();
        for (var i = 1; i <= steps; i++)
        {
            using var stepScope = NewDisposeScope();
            var l = (conv2d.call(X) - Y).pow(2).sum();
            conv2d.zero_grad();
            l.backward();
            using (no_grad())
                conv2d.weight.sub_(conv2d.weight.grad! * learningRate);
            if (i % reportEvery == 0) losses.Add(new KernelLearningStep(i, l.item<float>()));
        }
        var kernel = conv2d.weight.detach().reshape(-1).data<float>().ToArray();
        return new KernelLearningResult(losses, kernel);
    }
}
