using Microsoft.ML.Data;
using OxyPlot;

namespace CnnMl.Demo.Plots;

/// <summary>ML.NET's confusion matrix as a heat map: rows are the true classes, columns the predicted ones, each cell its count.</summary>
internal static class ConfusionMatrixPlot
{
    /// <summary>The picture's file name.</summary>
    public const string FileName = "confusion-matrix.png";

    /// <summary>The picture's size in pixels.</summary>
    public const int Width = 640, Height = 600;

    /// <summary>Writes the heat map into <paramref name="folder"/>.</summary>
    public static string Write(PlotFolder folder, ConfusionMatrix matrix, IReadOnlyList<string> classNames, string title) =>
        folder.Save(Create(matrix, classNames, title), FileName, Width, Height);

    /// <summary>The heat map of <paramref name="matrix"/>'s counts, labeled with <paramref name="classNames"/>.</summary>
    public static PlotModel Create(ConfusionMatrix matrix, IReadOnlyList<string> classNames, string title)
    {
        var classes = matrix.NumberOfClasses;
        var counts = new double[classes, classes];
        for (var truth = 0; truth < classes; truth++)
        {
            for (var predicted = 0; predicted < classes; predicted++) counts[truth, predicted] = matrix.Counts[truth][predicted];
        }
        var names = Enumerable.Range(0, classes).Select(i => i < classNames.Count ? classNames[i] : $"{i}").ToList();
        // White to blue: the black count labels stay readable in every cell; past a dozen classes they would not fit.
        return LabeledHeatMap.Create($"Confusion matrix · {title}", counts, "true", names, "predicted", names,
            OxyPalette.Interpolate(200, OxyColors.White, OxyColors.SteelBlue), classes <= 12 ? "0" : "");
    }
}
