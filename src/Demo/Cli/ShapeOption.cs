namespace CnnMl.Demo.Cli;

/// <summary>The <c>--input CxHxW</c> option of the commands that build a network for a shape.</summary>
internal static class ShapeOption
{
    /// <summary>What is wrong with <paramref name="input"/> as a shape ("--input 3x0: ..."), or null when it parses or was not given.</summary>
    public static string? Problem(string? input)
    {
        if (input is null) return null;
        try
        {
            ImageShape.Parse(input);
            return null;
        }
        catch (FormatException e)
        {
            return $"--input {input}: {e.Message}";
        }
    }
}
