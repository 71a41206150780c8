using Microsoft.ML.Data;

namespace CnnMl.Tests.Support;

/// <summary>A prediction engine's input for 1×28×28 images: the image column alone.</summary>
internal sealed class ImageInput
{
    [VectorType(784)]
    public float[] Image { get; set; } = [];
}

/// <summary>A prediction engine's output: the class probabilities and the predicted key (1-based; 0 for a non-finite row).</summary>
internal sealed class KeyPrediction
{
    public float[] Score { get; set; } = [];

    public uint PredictedLabel { get; set; }
}
