using System.Globalization;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Cli;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace CnnMl.Demo.Steps;

/// <summary>
/// What <c>cnnml train</c> and <c>cnnml compare</c> train and test on: MNIST (as its 784-value vectors, or resized to <c>--input</c>) or an
/// image folder in Model Builder's layout (<c>--images</c>, with <c>--test-images</c> or a stratified held-out split).
/// The rows are what the saved model reads; <see cref="Input"/> is the ML.NET chain that turns them into the network's
/// input and is saved in the zip with it.
/// </summary>
internal sealed class TrainAndTestData
{
    /// <summary>The features column the image-input chain writes.</summary>
    public const string FeaturesColumn = ImageInputCatalog.FeaturesColumnName;

    /// <summary>Label (a key) and the inputs: MNIST's Image vector (what the saved model reads), or an image folder's ImagePath (<see cref="ImageLoader"/> decodes it).</summary>
    public required IDataView Train { get; init; }

    /// <summary>The test rows, same columns, same label keys.</summary>
    public required IDataView Test { get; init; }

    /// <summary>The chain from the rows to the network's input (resize, channels, pixel / 255); null: the rows hold it already.</summary>
    public IEstimator<ITransformer>? Input { get; init; }

    /// <summary>
    /// An image folder's rows: ML.NET's <c>LoadImages</c> of each path into <c>ImageSource</c> (the path column dropped), the
    /// decoded image the saved model reads; it runs before <see cref="Input"/> and is not saved (a consumer decodes the
    /// image's bytes with <c>MLImage.CreateFromStream</c>, as <c>LoadImages</c> does). Null for MNIST.
    /// </summary>
    public IEstimator<ITransformer>? ImageLoader { get; init; }

    /// <summary>The column the network reads.</summary>
    public required string FeatureColumn { get; init; }

    /// <summary>The network's input shape.</summary>
    public required ImageShape Shape { get; init; }

    /// <summary>Lines saying where the data came from, for the console (plain text, not markup).</summary>
    public required IReadOnlyList<string> Description { get; init; }

    /// <summary>"MNIST training images" or "images from DIR", for the consumption code's provenance line.</summary>
    public required string Source { get; init; }

    /// <summary>How the consumption code describes the model's float-vector input (MNIST), or null.</summary>
    public string? FeatureDescription { get; init; }

    /// <summary>The schema the saved model reads: the rows' (MNIST), or the rows' after <see cref="ImageLoader"/> (an image folder's decoded <c>ImageSource</c>).</summary>
    public DataViewSchema ModelInputSchema => ImageLoader?.Fit(Train).GetOutputSchema(Train.Schema) ?? Train.Schema;

    /// <summary>How the consumption code describes what the model does with a decoded image (resize, channels), or null.</summary>
    public string? ImageDescription { get; init; }

    /// <summary>One test image for "try a prediction": MNIST's first test digit (null path) or the first test file.</summary>
    public string? SampleImagePath { get; init; }

    /// <summary>The data of <c>cnnml train</c> as <paramref name="settings"/> ask for it.</summary>
    public static TrainAndTestData Load(MLContext ml, IDataOptions settings, CnnArchitecture architecture)
    {
        var shape = settings.InputShape;
        if (settings.Images is not null) return Folder(ml, settings, shape ?? architecture.DefaultInput);
        return settings.ClipFrames is { } frames ? Clips(ml, settings, frames) : Mnist(ml, settings, shape, architecture.DefaultInput);
    }

    /// <summary>
    /// MNIST's digits as clips for 3D networks (<c>--frames</c>): frame d is the digit shifted d pixels right. The rows
    /// hold the clips (no input chain), so the saved model reads a clip vector.
    /// </summary>
    private static TrainAndTestData Clips(MLContext ml, IDataOptions settings, int frames)
    {
        var mnist = KnownInputs.Mnist;
        var train = ml.Data.LoadMnist(settings.DataDirectory, MnistSplit.Train, settings.TrainLimit);
        var test = ml.Data.LoadMnist(settings.DataDirectory, MnistSplit.Test, settings.TestLimit);
        var shape = ShiftedFrames.VolumeShape(mnist, frames);
        return new TrainAndTestData
        {
            Train = ShiftedFrames.Transform(ml, train, mnist, frames),
            Test = ShiftedFrames.Transform(ml, test, mnist, frames),
            FeatureColumn = "Image",
            Shape = shape,
            Description =
            [
                $"Data: {train.GetRowCount():N0} training and {test.GetRowCount():N0} test images from {Path.GetFullPath(settings.DataDirectory)}",
                $"Volumes: each digit as a clip of {frames} frames shifted one pixel per frame, {shape}",
            ],
            Source = $"{train.GetRowCount():N0} MNIST training images as clips of {frames} frames",
            FeatureDescription = $"The clip, {shape} (channels, frames, rows, columns), {shape.ElementCount} floats: pixel / 255, frame d the digit shifted d pixels right.",
        };
    }

    /// <summary>
    /// The data as <paramref name="settings"/> ask for it, given to a network as <paramref name="shape"/> (<c>cnnml compare</c>:
    /// one input for every architecture, see <see cref="ImageDataSettings.SharedInput"/>).
    /// </summary>
    public static TrainAndTestData Load(MLContext ml, IDataOptions settings, ImageShape shape) =>
        settings.Images is null ? Mnist(ml, settings, shape, shape) : Folder(ml, settings, shape);

    private static TrainAndTestData Mnist(MLContext ml, IDataOptions settings, ImageShape? shape, ImageShape architectureInput)
    {
        var train = ml.Data.LoadMnist(settings.DataDirectory, MnistSplit.Train, settings.TrainLimit);
        var test = ml.Data.LoadMnist(settings.DataDirectory, MnistSplit.Test, settings.TestLimit);
        var source = $"{train.GetRowCount():N0} training and {test.GetRowCount():N0} test images from {Path.GetFullPath(settings.DataDirectory)}";
        var mnist = KnownInputs.Mnist;
        var normalization = settings.Normalization;
        if (shape is null || (shape.Equals(mnist) && normalization is null))
        {
            return new TrainAndTestData
            {
                Train = train, Test = test, FeatureColumn = "Image", Shape = shape ?? architectureInput,
                Description = [$"Data: {train.GetRowCount():N0} training and {test.GetRowCount():N0} test images from {Path.GetFullPath(settings.DataDirectory)}"],
                Source = $"{train.GetRowCount():N0} MNIST training images",
                FeatureDescription = $"The image, {mnist} (channels first, row by row), {mnist.ElementCount} floats: pixel / 255, as MNIST's Image column.",
            };
        }
        return new TrainAndTestData
        {
            Train = train, Test = test, FeatureColumn = FeaturesColumn, Shape = shape,
            Input = ml.Transforms.CnnImageInputFromGrayscale(shape, (int)mnist.Spatial[0], (int)mnist.Spatial[1], "Image", FeaturesColumn, normalization),
            Description =
            [
                $"Data: {train.GetRowCount():N0} training and {test.GetRowCount():N0} test images from {Path.GetFullPath(settings.DataDirectory)}",
                $"Input: MNIST's {mnist} digits resized to {shape}{(shape.Channels == 3 ? " (the gray plane in each of the 3 channels)" : "")}{Normalized(normalization)} by ML.NET's image transforms, saved with the model",
            ],
            Source = $"{train.GetRowCount():N0} MNIST training images resized to {shape}",
            FeatureDescription = $"The MNIST digit, {mnist} row by row, {mnist.ElementCount} floats: pixel / 255; the model resizes it to {shape} itself.",
        };
    }

    private static string Normalized(PixelNormalization? normalization) => normalization is null ? "" : $", normalized with {normalization}";

    /// <summary>
    /// The image folder <paramref name="option"/> names, every file checked. Damaged files stop the run, all of them
    /// named in one message; with <c>--skip-bad-files</c> they are left out and listed in <paramref name="skipped"/>.
    /// </summary>
    private static ImageFolder LoadFolder(string option, string directory, bool skip, List<string> skipped)
    {
        var folder = ImageFolder.LoadSkippingDamaged(directory, out var damaged);
        if (damaged.Count == 0) return folder;
        if (!skip)
            throw new InvalidDataException(
                $"{option} {directory} holds {damaged.Count} damaged image file(s): {string.Join("; ", damaged.Select(d => $"'{d.FilePath}': {d.Defect}"))}. " +
                "Replace or remove them, or add --skip-bad-files to train on the rest.");
        skipped.Add($"Skipped {damaged.Count} damaged image file(s) of {option} (--skip-bad-files):");
        skipped.AddRange(damaged.Select(d => $"  {d.FilePath}: {d.Defect}"));
        return folder;
    }

    private static TrainAndTestData Folder(MLContext ml, IDataOptions settings, ImageShape shape)
    {
        var skipped = new List<string>();
        var folder = LoadFolder("--images", settings.Images!, settings.SkipBadFiles, skipped);
        ImageFolder trainImages, testImages;
        string testLine;
        if (settings.TestImages is { } testDirectory)
        {
            trainImages = folder;
            testImages = LoadFolder("--test-images", testDirectory, settings.SkipBadFiles, skipped);
            var unknown = testImages.Labels.Except(folder.Labels, StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
                throw new InvalidDataException(
                    $"--test-images {testDirectory} has label(s) {string.Join(", ", unknown.Select(l => $"'{l}'"))} that --images {settings.Images} lacks; the model can only predict the training labels ({string.Join(", ", folder.Labels)}).");
            testLine = $"test set: {testImages.Directory}: {testImages.Images.Count:N0} images";
        }
        else
        {
            var split = folder.Split(settings.TestFraction, settings.Seed);
            (trainImages, testImages) = (split.Train, split.Test);
            var percent = settings.TestFraction.ToString("P0", CultureInfo.InvariantCulture).Replace(" ", "", StringComparison.Ordinal);
            testLine = $"test set: {percent} of {folder.Directory}, stratified, seed {settings.Seed}: {testImages.Images.Count:N0} images";
        }

        // Labels become keys here, outside the saved chain: the saved model then reads the decoded image alone (a consumer has no
        // label to give) and its Label column is a key whose values are the class names, as MNIST's is.
        var rawTrain = trainImages.ToDataView(ml);
        var labels = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(rawTrain);
        var counts = string.Join(", ", folder.Labels.Zip(trainImages.CountsByLabel, (l, n) => $"{l} {n:N0}"));
        return new TrainAndTestData
        {
            Train = labels.Transform(rawTrain),
            Test = labels.Transform(testImages.ToDataView(ml)),
            ImageLoader = ml.Transforms.LoadImages(ImageInputCatalog.ImageSourceColumnName, null, ImageInputCatalog.ImagePathColumnName)
                .Append(ml.Transforms.DropColumns(ImageInputCatalog.ImagePathColumnName)),
            Input = ml.Transforms.CnnImageInputFromImage(shape, ImageInputCatalog.ImageSourceColumnName, FeaturesColumn, settings.Normalization),
            FeatureColumn = FeaturesColumn,
            Shape = shape,
            Description =
            [
                .. skipped,
                $"Data: {trainImages.Images.Count:N0} training images in {folder.Labels.Count} labels from {folder.Directory} ({counts})",
                testLine,
                $"Input: each image resized to {shape} ({(shape.Channels == 1 ? "grayscale" : "RGB")}, pixel / 255){Normalized(settings.Normalization)} by ML.NET's image transforms, saved with the model",
            ],
            Source = $"{trainImages.Images.Count:N0} images from {folder.Directory}, input {shape}",
            SampleImagePath = testImages.Images.FirstOrDefault()?.ImagePath,
            ImageDescription = $"the model resizes the image to {shape} ({(shape.Channels == 1 ? "grayscale" : "RGB")}, pixel / 255){Normalized(settings.Normalization)} itself.",
        };
    }
}
