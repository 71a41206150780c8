namespace CnnMl.Interpretation;

/// <summary>One example among those the model got most wrong (<see cref="ClassificationInterpretation.TopLosses"/>).</summary>
/// <param name="Row">The example's position in the data (0-based, in the data view's row order).</param>
/// <param name="ActualClass">The true class index (label key value − 1).</param>
/// <param name="ActualLabel">The true class's name.</param>
/// <param name="ActualProbability">The probability the model gave the true class.</param>
/// <param name="PredictedClass">The class with the highest probability (the first, on ties).</param>
/// <param name="PredictedLabel">The predicted class's name.</param>
/// <param name="PredictedProbability">The probability of the predicted class.</param>
/// <param name="Loss">Cross-entropy of the true class, −ln(<paramref name="ActualProbability"/>); +∞ when that probability underflowed to 0.</param>
public sealed record TopLoss(long Row, int ActualClass, string ActualLabel, float ActualProbability, int PredictedClass, string PredictedLabel,
    float PredictedProbability, double Loss);
