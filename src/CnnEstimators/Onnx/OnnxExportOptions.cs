namespace CnnMl.Onnx;

/// <summary>Names and shapes of the ONNX graph's input and outputs (<see cref="OnnxModelExporter"/>).</summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// The graph input: the flat float vector <c>[N, C·H·W]</c> (or <c>C·D·H·W</c>) exactly as ML.NET hands a vector
    /// column over; reshaped to <c>N × C × H × W</c> inside the graph. Default <c>Image</c>, the MNIST feature column.
    /// </summary>
    public string InputName { get; init; } = "Image";

    /// <summary>Softmax probabilities <c>[N, classes]</c> (slot i is class index i). Default <c>Score</c>.</summary>
    public string ScoreOutputName { get; init; } = "Score";

    /// <summary>
    /// When set, an int64 output with the arg-max class index of <see cref="ScoreOutputName"/> (first index on ties),
    /// shaped <c>[N, 1]</c> when <see cref="PredictedIndexKeepDims"/> is true (default), else <c>[N]</c>.
    /// </summary>
    public string? PredictedIndexOutputName { get; init; }

    /// <summary>Keep the class axis of the predicted index as size 1 (<c>[N, 1]</c>) rather than dropping it (<c>[N]</c>).</summary>
    public bool PredictedIndexKeepDims { get; init; } = true;

    /// <summary>When set, an output with the network's raw logits <c>[N, classes]</c>.</summary>
    public string? LogitsOutputName { get; init; }

    /// <summary>The <c>dim_param</c> naming the dynamic batch dimension of the input and outputs. Default <c>N</c>.</summary>
    public string BatchDimensionName { get; init; } = "N";

    /// <summary>
    /// Name of an extra output holding the input of the layer <see cref="FeaturesLayer"/> — a classifier's
    /// penultimate features — flattened to [N, F]; null (default): no such output. Needs <see cref="FeaturesLayer"/>.
    /// </summary>
    public string? FeaturesOutputName { get; init; }

    /// <summary>The layer (its <c>named_modules()</c> path, e.g. "fc") whose input <see cref="FeaturesOutputName"/> outputs.</summary>
    public string? FeaturesLayer { get; init; }
}
