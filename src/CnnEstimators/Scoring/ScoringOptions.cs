namespace CnnMl.Scoring;

/// <summary>
/// How the trained transformer scores (<c>CnnTrainerOptions.Scoring</c>): settings of the model, not of training. A
/// checkpoint keeps <see cref="BatchSize"/> only.
/// </summary>
public sealed class ScoringOptions
{
    /// <summary>Rows per forward pass when scoring. Default 256.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>
    /// libtorch intra-op threads for each scoring forward pass (set on the scoring thread for that pass, then put back),
    /// and ONNX Runtime's intra-op threads for one-row passes (<see cref="OneRowScoring"/>). Null (default): one thread
    /// for one-row passes, as a prediction engine makes them (parallel regions cost more than they save for one image,
    /// and much more on a busy machine), and the thread's own count for batches.
    /// </summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>
    /// What computes a one-row pass on the CPU (a <c>PredictionEngine</c>'s <c>Predict</c>): by default
    /// <see cref="Scoring.OneRowScoring.OnnxRuntime"/>, the network exported to ONNX in ONNX Runtime — what a saved
    /// model scores with, several times faster than libtorch for one image; <see cref="Scoring.OneRowScoring.LibTorch"/>
    /// runs the TorchSharp module as <c>Transform</c> does. Like <see cref="NumberOfThreads"/>, a setting of the trained
    /// transformer that a checkpoint does not keep.
    /// </summary>
    public OneRowScoring OneRowScoring { get; set; } = OneRowScoring.OnnxRuntime;

    /// <summary>Checks every setting; the message names the option (<c>Scoring.Name</c>) and the value.</summary>
    internal void Validate()
    {
        if (BatchSize < 1) throw new ArgumentOutOfRangeException("Scoring.BatchSize", BatchSize, $"Scoring.BatchSize must be at least 1; got {BatchSize}.");
        if (NumberOfThreads is < 1)
            throw new ArgumentOutOfRangeException("Scoring.NumberOfThreads", NumberOfThreads, $"Scoring.NumberOfThreads must be at least 1; got {NumberOfThreads}.");
        if (!Enum.IsDefined(OneRowScoring))
            throw new ArgumentOutOfRangeException("Scoring.OneRowScoring", OneRowScoring,
                $"Scoring.OneRowScoring is {(int)OneRowScoring}, not one of its values: {string.Join(", ", Enum.GetNames<OneRowScoring>())}.");
    }
}
