namespace CnnMl.Abstractions;

/// <summary>
/// The inputs and class counts of the data sets the networks were designed for, named once: registry
/// entries, the MNIST loader and the tests all read them from here.
/// </summary>
public static class KnownInputs
{
    /// <summary>Frames in an MNIST clip (a digit shifted frame by frame, see <c>CnnMl.Data.ShiftedFrames</c>).</summary>
    public const int MnistClipFrames = 8;

    /// <summary>MNIST's ten digits.</summary>
    public const int MnistClasses = 10;

    /// <summary>CIFAR-10's ten classes.</summary>
    public const int CifarClasses = 10;

    /// <summary>ImageNet's 1,000 classes.</summary>
    public const int ImageNetClasses = 1000;

    /// <summary>An MNIST digit: 1×28×28.</summary>
    public static ImageShape Mnist { get; } = new(1, 28, 28);

    /// <summary>An MNIST digit as a clip of <see cref="MnistClipFrames"/> frames: 1×8×28×28.</summary>
    public static ImageShape MnistClip { get; } = new(1, MnistClipFrames, 28, 28);

    /// <summary>A CIFAR image: 3×32×32.</summary>
    public static ImageShape Cifar { get; } = new(3, 32, 32);

    /// <summary>An ImageNet crop as torchvision's models are trained on it: 3×224×224.</summary>
    public static ImageShape ImageNet { get; } = new(3, 224, 224);
}
