using CnnMl.Data;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Plots;
using CnnMl.Interpretation;
using CnnMl.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Explain;

/// <summary>
/// <c>cnnml explain</c>: Grad-CAM for chosen image files — where the network looked when it predicted each one's class —
/// from a checkpoint, since the gradients need the TorchSharp network. Each image goes through the input chain the
/// model was trained with (resized to its input, grayscale or RGB, pixel / 255, optionally normalized); the picture
/// shows each image beside its heat map, and the console lists the predictions.
/// </summary>
public sealed class ExplainCommand : Command<ExplainSettings>
{
    public override int Execute(CommandContext context, ExplainSettings settings, CancellationToken cancellation)
    {
        var checkpoint = OutputFiles.RequireFile("--checkpoint", settings.Checkpoint);
        var images = settings.Images.Select(i => OutputFiles.RequireFile("image", i)).ToList();
        OutputFiles.EnsureWritable("--out", settings.Out);
        var output = Path.GetFullPath(settings.Out);
        var folder = PlotFolder.Open("--out", Path.GetDirectoryName(output))!;
        var normalization = ImageDataSettings.NormalizationNamed(settings.Normalize);

        using var model = CnnTransformer.Load(checkpoint);
        var definition = model.Definition;
        var shape = definition.ImageShape;
        if (shape.SpatialRank != 2 || shape.Channels is not (1 or 3))
            throw new NotSupportedException($"--checkpoint {settings.Checkpoint}: '{definition.Architecture}' takes {shape}; cnnml explain draws 2-D images of 1 or 3 channels.");
        AnsiConsole.MarkupLineInterpolated($"Model: {checkpoint} ({definition.Architecture}, input {shape}, {definition.ClassCount} classes)");
        cancellation.ThrowIfCancellationRequested();

        var features = Features(images, shape, normalization);
        var cam = GradCamPlot.Explainer(method => GradCam.For(model, settings.Layer, method), settings.Cam);
        var maps = cam.Compute(features);
        var names = definition.ClassNames ?? Enumerable.Range(0, definition.ClassCount).Select(i => $"{i}").ToArray();

        var table = new Table().AddColumns("image", "predicted", "probability");
        table.Columns[2].RightAligned();
        var examples = new List<GradCamExample>();
        for (var i = 0; i < images.Count; i++)
        {
            var label = names[maps[i].PredictedClass];
            table.AddRow(Markup.Escape(images[i]), Markup.Escape(label), $"{maps[i].PredictedProbability:P1}");
            examples.Add(new GradCamExample(GrayImage.FromFeatures(features[i], shape), maps[i], label,
                FormattableString.Invariant($"{Shorten(Path.GetFileName(images[i]))}: pred {label} ({maps[i].PredictedProbability:0.00})")));
        }
        AnsiConsole.Write(table);
        var method = GradCamPlot.MethodName(cam.Method);
        AnsiConsole.MarkupLineInterpolated($"{method} of layer {cam.TargetLayer} (feature-map layers: {string.Join(", ", cam.FeatureMapLayers)}), for each image's predicted class.");
        GradCamPlot.Write(folder, Path.GetFileName(output), examples, cam.Method,
            $"{method} of layer {cam.TargetLayer} for the predicted class · {definition.Architecture} from {Path.GetFileName(checkpoint)}, {images.Count} image(s)");
        return 0;
    }

    /// <summary>
    /// Each file as the network's input: ML.NET's image transforms (<c>CnnImageInput</c>: resized to the input's size,
    /// grayscale for one channel, pixel / 255, then <paramref name="normalization"/>), after checking each file whole.
    /// </summary>
    internal static float[][] Features(IReadOnlyList<string> paths, ImageShape shape, PixelNormalization? normalization)
    {
        foreach (var path in paths) ImageFiles.Check(path);
        var ml = new MLContext();
        var files = ml.Data.LoadFromEnumerable(paths.Select(p => new LabeledImage { ImagePath = p }).ToList());
        var chain = ml.Transforms.CnnImageInput(shape, normalization: normalization);
        return chain.Fit(files).Transform(files).GetColumn<float[]>(ImageInputCatalog.FeaturesColumnName).ToArray();
    }

    private static string Shorten(string name) => name.Length <= 18 ? name : name[..8] + "…" + name[^9..];
}
