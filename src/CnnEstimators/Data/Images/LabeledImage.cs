namespace CnnMl.Data;

/// <summary>
/// One row of an image folder (<see cref="ImageFolder"/>): the label, as text, and the image file's full path.
/// The column names are ML.NET's and Model Builder's: <c>Label</c> and <c>ImagePath</c>.
/// </summary>
public sealed class LabeledImage
{
    /// <summary>The class name: the sub-folder the image is in.</summary>
    public string Label { get; set; } = "";

    /// <summary>The image file's full path (what <c>LoadImages</c> reads).</summary>
    public string ImagePath { get; set; } = "";
}
