using CnnMl.Interpretation;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;

namespace CnnMl.Demo.Plots;

/// <summary>One image to explain: its gray picture (H·W values in 0–1, row by row), its map, the name of the class the map explains, and its caption.</summary>
internal sealed record GradCamExample(float[] Picture, GradCamMap Map, string TargetLabel, string Caption);

/// <summary>
/// Grad-CAM pictures: for each image, the image itself and beside it the heat map over it (the map's color blended
/// half and half with the gray image), captioned; a color bar gives the map's scale. Used by <c>train --plots</c>
/// (<c>grad-cam.png</c>, a grid of test images) and by <c>cnnml explain</c> (chosen image files).
/// </summary>
internal static class GradCamPlot
{
    /// <summary>The picture's file name in a <c>--plots</c> folder.</summary>
    public const string FileName = "grad-cam.png";

    /// <summary>Test images explained in the <c>--plots</c> picture.</summary>
    public const int MaxImages = 16;

    /// <summary>Image pairs (image, heat map) per grid row.</summary>
    public const int PairsPerRow = 4;

    /// <summary>The weight of the heat map's color in the overlay (the gray image has the rest).</summary>
    public const double Opacity = 0.5;

    /// <summary>The heat map's palette, from 0 (dark blue) to 1 (dark red), as Grad-CAM is usually shown.</summary>
    public static readonly OxyPalette Palette = OxyPalettes.Jet(256);

    private const int Gap = 4, PairGap = 16, Margin = 12, TitleBand = 40, LabelBand = 18, CaptionBand = 20, ColorBar = 110;

    /// <summary>
    /// The images a <c>--plots</c> picture explains, as test-row indices: the first test image of each class in test
    /// order (so that every class is seen), then the next test images, up to <see cref="MaxImages"/>.
    /// </summary>
    public static IReadOnlyList<long> ChooseRows(IReadOnlyList<string> truth)
    {
        var rows = new List<long>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < truth.Count && rows.Count < MaxImages; i++)
        {
            if (seen.Add(truth[i])) rows.Add(i);
        }
        for (var i = 0; i < truth.Count && rows.Count < MaxImages; i++)
        {
            if (!rows.Contains(i)) rows.Add(i);
        }
        rows.Sort();
        return rows;
    }

    /// <summary>
    /// The explainer for a network: Grad-CAM, or with <see cref="CamChoice.Auto"/> Grad-CAM when the network averages
    /// its last feature map to 1×1 before its classifier (a 1×1 map follows the target layer) and HiResCAM when it
    /// flattens it (mnist-cnn, lenet5), where the channel means of Grad-CAM cancel and leave most maps empty; the two
    /// agree on a globally pooled network.
    /// </summary>
    public static GradCam Explainer(Func<CamMethod, GradCam> create, CamChoice choice)
    {
        if (choice == CamChoice.HiResCam) return create(CamMethod.HiResCam);
        var gradCam = create(CamMethod.GradCam);
        if (choice == CamChoice.GradCam) return gradCam;
        var pooled = gradCam.FeatureMapLayers.ToList().LastIndexOf(gradCam.TargetLayer) < gradCam.FeatureMapLayers.Count - 1;
        return pooled ? gradCam : create(CamMethod.HiResCam);
    }

    /// <summary>"Grad-CAM" or "HiResCAM": the method's name for titles.</summary>
    public static string MethodName(CamMethod method) => method == CamMethod.GradCam ? "Grad-CAM" : "HiResCAM";

    /// <summary>Writes the picture of <paramref name="examples"/> as <paramref name="path"/> (in <paramref name="folder"/>).</summary>
    public static string Write(PlotFolder folder, string fileName, IReadOnlyList<GradCamExample> examples, CamMethod method, string title)
    {
        var (plot, width, height) = Create(examples, method, title);
        return folder.Save(plot, fileName, width, height);
    }

    /// <summary>The picture, and its size in pixels (every image pixel drawn as a square of whole pixels).</summary>
    public static (PlotModel Plot, int Width, int Height) Create(IReadOnlyList<GradCamExample> examples, CamMethod method, string title)
    {
        if (examples.Count == 0) throw new ArgumentException("Grad-CAM: no image to draw.", nameof(examples));
        var (rows, columns) = (examples[0].Map.Height, examples[0].Map.Width);
        var scale = Math.Max(1, (int)Math.Ceiling(112.0 / Math.Max(rows, columns)));
        var (tileWidth, tileHeight) = (columns * scale, rows * scale);
        var pairWidth = 2 * tileWidth + Gap;
        var pairs = Math.Min(PairsPerRow, examples.Count);
        var gridRows = (examples.Count + PairsPerRow - 1) / PairsPerRow;
        var rowHeight = LabelBand + tileHeight + CaptionBand + Gap;
        var gridWidth = Math.Max(pairs * pairWidth + (pairs - 1) * PairGap + 2 * Margin, 560);
        var width = gridWidth + ColorBar;
        var height = TitleBand + gridRows * rowHeight + Margin;
        var left = (gridWidth - (pairs * pairWidth + (pairs - 1) * PairGap)) / 2.0;

        // Hidden axes that map one data unit to one pixel, y downwards: annotations are placed in pixels.
        var plot = new PlotModel { Padding = new OxyThickness(0), PlotAreaBorderThickness = new OxyThickness(0), PlotMargins = new OxyThickness(0, 0, ColorBar, 0) };
        plot.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Minimum = 0, Maximum = gridWidth, MinimumPadding = 0, MaximumPadding = 0, IsAxisVisible = false });
        plot.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Minimum = 0, Maximum = height, StartPosition = 1, EndPosition = 0, MinimumPadding = 0, MaximumPadding = 0, IsAxisVisible = false });
        plot.Axes.Add(new LinearColorAxis
        {
            Position = AxisPosition.Right, Palette = Palette, Minimum = 0, Maximum = 1, MajorStep = 0.25, AxisDistance = 8, FontSize = 11,
            Title = $"{MethodName(method)}: 0 no evidence, 1 the strongest", StartPosition = (double)Margin / height, EndPosition = (double)(height - TitleBand - LabelBand) / height,
        });
        plot.Annotations.Add(Text(title, gridWidth / 2.0, TitleBand / 2.0, 14));

        for (var k = 0; k < examples.Count; k++)
        {
            var x = left + k % PairsPerRow * (pairWidth + PairGap);
            var y = TitleBand + k / PairsPerRow * rowHeight;
            plot.Annotations.Add(Text("image", x + tileWidth / 2.0, y + LabelBand / 2.0, 11));
            plot.Annotations.Add(Text($"heat map for {examples[k].TargetLabel}", x + tileWidth + Gap + tileWidth / 2.0, y + LabelBand / 2.0, 11));
            var picture = examples[k].Picture;
            plot.Annotations.Add(Image(Pixels(picture, null, rows, columns, scale), x, y + LabelBand));
            plot.Annotations.Add(Image(Pixels(picture, examples[k].Map, rows, columns, scale), x + tileWidth + Gap, y + LabelBand));
            plot.Annotations.Add(Text(examples[k].Caption, x + pairWidth / 2.0, y + LabelBand + tileHeight + CaptionBand / 2.0, 11));
        }
        return (plot, width, height);
    }

    /// <summary>
    /// The color of pixel (r, c) of the heat map over the image: the palette's color for the map's value, blended with
    /// the gray level by <see cref="Opacity"/>; the gray level alone without a map.
    /// </summary>
    public static OxyColor Overlay(float gray, float? value)
    {
        var level = Math.Clamp(gray, 0, 1) * 255;
        if (value is not { } v) return OxyColor.FromRgb(ToByte(level), ToByte(level), ToByte(level));
        var heat = Palette.Colors[Math.Clamp((int)(v * (Palette.Colors.Count - 1) + 0.5), 0, Palette.Colors.Count - 1)];
        return OxyColor.FromRgb(ToByte(Opacity * heat.R + (1 - Opacity) * level), ToByte(Opacity * heat.G + (1 - Opacity) * level), ToByte(Opacity * heat.B + (1 - Opacity) * level));
    }

    private static byte ToByte(double value) => (byte)Math.Clamp(Math.Round(value), 0, 255);

    private static OxyImage Pixels(float[] picture, GradCamMap? map, int rows, int columns, int scale)
    {
        // OxyImage.Create reads [x, y]: column first.
        var pixels = new OxyColor[columns * scale, rows * scale];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var color = Overlay(picture[r * columns + c], map?[r, c]);
                for (var dy = 0; dy < scale; dy++)
                {
                    for (var dx = 0; dx < scale; dx++) pixels[c * scale + dx, r * scale + dy] = color;
                }
            }
        }
        return OxyImage.Create(pixels, ImageFormat.Png);
    }

    private static ImageAnnotation Image(OxyImage image, double x, double y) => new()
    {
        ImageSource = image,
        X = new PlotLength(x, PlotLengthUnit.Data),
        Y = new PlotLength(y, PlotLengthUnit.Data),
        Width = new PlotLength(image.Width, PlotLengthUnit.ScreenUnits),
        Height = new PlotLength(image.Height, PlotLengthUnit.ScreenUnits),
        HorizontalAlignment = HorizontalAlignment.Left,
        VerticalAlignment = VerticalAlignment.Top,
        Interpolate = false,
        Layer = AnnotationLayer.AboveSeries,
    };

    private static TextAnnotation Text(string text, double x, double y, double size) => new()
    {
        Text = text,
        TextPosition = new DataPoint(x, y),
        TextHorizontalAlignment = HorizontalAlignment.Center,
        TextVerticalAlignment = VerticalAlignment.Middle,
        FontSize = size,
        Stroke = OxyColors.Transparent,
        Background = OxyColors.Transparent,
        ClipByXAxis = false,
        ClipByYAxis = false,
    };
}
