using System.Globalization;

namespace CnnMl.Demo.Rendering;

/// <summary>
/// Says plainly when a trained model has learned next to nothing — its test accuracy is within
/// <see cref="ChanceMargin"/> of guessing, or one class takes at least <see cref="DominantShare"/> of the predictions —
/// and what to try: more epochs, and the rate <c>cnnml lr-find</c> suggests. Such a model is still saved (it is what
/// was asked for), but not silently.
/// </summary>
internal static class LearnedNothingWarning
{
    /// <summary>How far above chance (1 / classes) the accuracy must be: 5 points.</summary>
    public const double ChanceMargin = 0.05;

    /// <summary>The share of predictions one class may take before the model is said to answer it for everything: 90 %.</summary>
    public const double DominantShare = 0.9;

    /// <summary>
    /// The warning for a model with <paramref name="accuracy"/> and the confusion matrix <paramref name="counts"/> (rows:
    /// truth, columns: predicted), or null when it learned something.
    /// </summary>
    /// <param name="accuracy">Test micro-accuracy, 0–1.</param>
    /// <param name="counts">ML.NET's confusion-matrix counts.</param>
    /// <param name="classNames">The classes' names, in the matrix's order.</param>
    /// <param name="lrFind">The <c>cnnml lr-find</c> command line to suggest (its data options).</param>
    public static string? For(double accuracy, IReadOnlyList<IReadOnlyList<double>> counts, IReadOnlyList<string> classNames, string lrFind)
    {
        var classes = counts.Count;
        if (classes < 2) return null;
        var total = counts.Sum(row => row.Sum());
        if (total <= 0) return null;
        var chance = 1.0 / classes;
        var predicted = Enumerable.Range(0, classes).Select(c => counts.Sum(row => row[c])).ToArray();
        var top = Array.IndexOf(predicted, predicted.Max());
        var share = predicted[top] / total;
        var nearChance = accuracy < chance + ChanceMargin;
        var oneClass = share >= DominantShare;
        if (!nearChance && !oneClass) return null;
        var what = nearChance
            ? string.Create(CultureInfo.InvariantCulture, $"test accuracy {accuracy:P2} is within {ChanceMargin * 100:0} points of guessing ({chance:P2} for {classes} classes)")
            : string.Create(CultureInfo.InvariantCulture, $"test accuracy is {accuracy:P2}");
        var dominant = share >= 0.5 ? string.Create(CultureInfo.InvariantCulture, $"; it answers '{classNames[top]}' for {share:P0} of the test images") : "";
        return $"This model has learned next to nothing: {what}{dominant}. Try more epochs, or the learning rate that '{lrFind}' suggests.";
    }
}
