namespace CnnMl.Interpretation;

/// <summary>How often one class was taken for another (<see cref="ClassificationInterpretation.MostConfused"/>).</summary>
/// <param name="ActualClass">The true class index.</param>
/// <param name="ActualLabel">The true class's name.</param>
/// <param name="PredictedClass">The class predicted instead.</param>
/// <param name="PredictedLabel">That class's name.</param>
/// <param name="Count">Examples of <paramref name="ActualLabel"/> predicted as <paramref name="PredictedLabel"/>.</param>
public sealed record ConfusedPair(int ActualClass, string ActualLabel, int PredictedClass, string PredictedLabel, long Count);
