namespace CnnMl.Data;

/// <summary>An idx file (the MNIST format) is truncated or malformed. The message names the file and the defect.</summary>
public sealed class IdxFormatException : FormatException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    public IdxFormatException(string filePath, string defect)
        : base($"Idx file '{filePath}': {defect}")
    {
        FilePath = filePath;
        Defect = defect;
    }

    /// <summary>The file that failed to parse.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it.</summary>
    public string Defect { get; }
}
