namespace CnnMl.Scoring;

/// <summary>
/// What computes a one-row pass on the CPU — the pass a <c>PredictionEngine</c> (or a row mapper) makes for every
/// <c>Predict</c> call. Batches (<c>Transform</c>) always run the TorchSharp module.
/// </summary>
public enum OneRowScoring
{
    /// <summary>
    /// The network exported to ONNX (<see cref="Onnx.OnnxModelExporter"/>) run by ONNX Runtime: the engine a model
    /// saved with <c>mlContext.Model.Save</c> scores with, and several times faster than libtorch for one image
    /// (<c>cnnml bench --sections latency</c> measures both). Scores agree with <c>Transform</c>'s within float32
    /// rounding (the tests hold them to 1e-5), not bit for bit. Where the network has no ONNX export, a features column is asked
    /// for, or the network is on a GPU, libtorch scores instead.
    /// </summary>
    OnnxRuntime,

    /// <summary>The TorchSharp module, as <c>Transform</c> runs it, on a batch of one row.</summary>
    LibTorch,
}
