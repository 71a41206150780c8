namespace CnnMl.Interop;

/// <summary>
/// A weights file does not fit the network it is loaded into. The message lists every difference at once, one per
/// line: names the network has and the file lacks (missing), names the file has and the network lacks (unexpected),
/// and names whose shapes differ (with both shapes), followed by what to change.
/// </summary>
public sealed class StateDictMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception; <paramref name="message"/> already holds the full listing.</summary>
    public StateDictMismatchException(string message, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
        IReadOnlyList<StateDictShapeMismatch> wrongShape) : base(message)
    {
        Missing = missing;
        Unexpected = unexpected;
        WrongShape = wrongShape;
    }

    /// <summary>Names in the network's state dict that the file does not hold.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Names in the file that the network's state dict does not hold.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Names in both whose shapes differ.</summary>
    public IReadOnlyList<StateDictShapeMismatch> WrongShape { get; }
}

/// <summary>One tensor present in both the file and the network, with different shapes.</summary>
/// <param name="Name">State-dict name, e.g. <c>fc.weight</c>.</param>
/// <param name="FileShape">Its shape in the file.</param>
/// <param name="NetworkShape">Its shape in the network.</param>
public sealed record StateDictShapeMismatch(string Name, long[] FileShape, long[] NetworkShape)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name}: file {StateDictFormat.Shape(FileShape)}, network {StateDictFormat.Shape(NetworkShape)}";
}
