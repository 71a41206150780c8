namespace CnnMl.Interpretation;

/// <summary>
/// One image's Grad-CAM heat map (<see cref="GradCam"/>): how much each pixel's region pushed the target class's score
/// up, at the input's size, scaled to [0, 1] (1 at the strongest pixel; all 0 when no region counts for the class).
/// </summary>
public sealed class GradCamMap
{
    internal GradCamMap(float[] values, int height, int width, int targetClass, float targetProbability, int predictedClass, float predictedProbability, string layer)
    {
        Values = values;
        Height = height;
        Width = width;
        TargetClass = targetClass;
        TargetProbability = targetProbability;
        PredictedClass = predictedClass;
        PredictedProbability = predictedProbability;
        Layer = layer;
    }

    /// <summary>The map, row by row (<see cref="Height"/> × <see cref="Width"/> values in [0, 1]).</summary>
    public IReadOnlyList<float> Values { get; }

    /// <summary>Rows: the input image's height.</summary>
    public int Height { get; }

    /// <summary>Columns: the input image's width.</summary>
    public int Width { get; }

    /// <summary>The value at row <paramref name="y"/>, column <paramref name="x"/>.</summary>
    public float this[int y, int x]
    {
        get
        {
            if ((uint)y >= (uint)Height) throw new ArgumentOutOfRangeException(nameof(y), y, $"Row must be in [0, {Height}); it is {y}.");
            if ((uint)x >= (uint)Width) throw new ArgumentOutOfRangeException(nameof(x), x, $"Column must be in [0, {Width}); it is {x}.");
            return Values[y * Width + x];
        }
    }

    /// <summary>The class the map explains (class index).</summary>
    public int TargetClass { get; }

    /// <summary>The probability the model gave <see cref="TargetClass"/>.</summary>
    public float TargetProbability { get; }

    /// <summary>The class the model predicts (the first, on ties).</summary>
    public int PredictedClass { get; }

    /// <summary>The probability of <see cref="PredictedClass"/>.</summary>
    public float PredictedProbability { get; }

    /// <summary>The layer whose activations and gradients made the map (its path in the module tree).</summary>
    public string Layer { get; }
}
