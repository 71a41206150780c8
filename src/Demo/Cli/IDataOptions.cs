using CnnMl.Data;

namespace CnnMl.Demo.Cli;

/// <summary>
/// The data and image options that <c>cnnml train</c> and <c>cnnml compare</c> both take (<c>--data</c>, <c>--images</c>,
/// <c>--test-images</c>, <c>--test-fraction</c>, <c>--input</c>, <c>--normalize</c>, the limits and the seed), so that one
/// check (<see cref="ImageDataSettings"/>) and one loader (<see cref="Models.TrainAndTestData"/>) serve both commands.
/// </summary>
internal interface IDataOptions
{
    /// <summary><c>--data</c>: MNIST's folder as given, or null.</summary>
    string? Data { get; }

    /// <summary><c>--images</c>: the training image folder, or null for MNIST.</summary>
    string? Images { get; }

    /// <summary><c>--test-images</c>: the test image folder, or null.</summary>
    string? TestImages { get; }

    /// <summary><c>--test-fraction</c>: the share of each label of <see cref="Images"/> held out without <see cref="TestImages"/>.</summary>
    double TestFraction { get; }

    /// <summary><c>--input</c> as given (CxHxW), or null.</summary>
    string? Input { get; }

    /// <summary><c>--normalize</c> as given.</summary>
    string Normalize { get; }

    /// <summary><c>--train-limit</c>.</summary>
    int? TrainLimit { get; }

    /// <summary><c>--test-limit</c>.</summary>
    int? TestLimit { get; }

    /// <summary><c>--seed</c>: also the seed of the held-out split.</summary>
    int Seed { get; }

    /// <summary>Frames per clip when MNIST is given as volumes to a 3D network (<c>train --frames</c>), else null (images).</summary>
    int? ClipFrames { get; }

    /// <summary>MNIST's folder: <see cref="Data"/>, else $CNNML_DATA, else data/mnist.</summary>
    string DataDirectory { get; }

    /// <summary><see cref="Input"/> parsed, or null.</summary>
    ImageShape? InputShape { get; }

    /// <summary><see cref="Normalize"/> as the image-input chain takes it: null for none.</summary>
    PixelNormalization? Normalization { get; }

    /// <summary><c>--skip-bad-files</c>: leave damaged image files of an image folder out (each listed) instead of stopping.</summary>
    bool SkipBadFiles => false;
}
