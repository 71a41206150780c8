using CnnMl.Data;
using CnnMl.Demo.Rendering;
using CnnMl.Scoring;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;

namespace CnnMl.Demo.Steps;

/// <summary>One image scored by the trained network, with its label and top 3 classes: <c>cnnml train</c>'s "try a prediction" and the guided mode's "try it".</summary>
internal static class SamplePrediction
{
    /// <summary>
    /// Draws a 28×28 grayscale digit (values in [0, 1]) and the model's label and top 3 classes for it; the digit goes
    /// through the run's image-input chain (MNIST resized to <c>--input</c>) or, for a 3D model, becomes its
    /// shifted-frame clip, as in training. Returns the label.
    /// </summary>
    public static string ShowDigit(MLContext ml, CnnTransformer model, PreparedData data, float[] pixels, string header)
    {
        var shape = model.Definition.ImageShape;
        var input = pixels;
        if (data.Input is null && shape.SpatialRank == 3)
        {
            input = new float[shape.ElementCount];
            ShiftedFrames.Expand(pixels, KnownInputs.Mnist, (int)shape.Spatial[0], input);
        }
        var inputSchema = SchemaDefinition.Create(typeof(DigitInput));
        inputSchema[nameof(DigitInput.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, input.Length);
        var row = ml.Data.LoadFromEnumerable([new DigitInput { Image = input }], inputSchema);
        AnsiConsole.Write(new Panel(new Text(DigitView.Render(pixels, 28, 28))).Header(Markup.Escape(header)));
        return ShowScores(model, data.ForNetwork(row));
    }

    /// <summary>The model's label and top 3 classes for an image file (a model trained on an image folder, through its input chain); returns the label.</summary>
    public static string ShowImage(MLContext ml, CnnTransformer model, PreparedData data, string path, string header)
    {
        var row = ml.Data.LoadFromEnumerable([new LabeledImage { ImagePath = Path.GetFullPath(path) }]);
        AnsiConsole.WriteLine(header);
        return ShowScores(model, data.ForNetwork(row));
    }

    private static string ShowScores(CnnTransformer model, IDataView row)
    {
        var names = model.Definition.ClassNames ?? MnistCatalog.DigitNames;
        var scored = model.Transform(row);
        var score = scored.GetColumn<float[]>(model.Definition.ScoreColumnName).Single();
        var predicted = scored.GetColumn<uint>(model.Definition.PredictedLabelColumnName).Single();
        var top = score.Select((p, i) => (p, i)).OrderByDescending(x => x.p).Take(3).Select(x => $"{names[x.i]}: {x.p:P1}");
        var label = names[(int)predicted - 1];
        AnsiConsole.MarkupLineInterpolated($"Predicted [bold]{label}[/] — {string.Join(", ", top)}");
        return label;
    }

    private sealed class DigitInput
    {
        public float[] Image { get; set; } = [];
    }
}
