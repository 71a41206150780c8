using System.Text;

namespace CnnMl.Demo.Rendering;

/// <summary>A gray-scale image as text, two characters per pixel, so a digit is recognizable in a terminal.</summary>
internal static class DigitView
{
    private const string Ramp = " .:-=+*#%@";

    public static string Render(ReadOnlySpan<float> pixels, int rows, int columns)
    {
        var text = new StringBuilder();
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var level = Math.Clamp((int)(pixels[r * columns + c] * (Ramp.Length - 1) + 0.5f), 0, Ramp.Length - 1);
                text.Append(Ramp[level], 2);
            }
            text.AppendLine();
        }
        return text.ToString();
    }
}
