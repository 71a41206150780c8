using System.Text.Json;

namespace CnnMl.Training;

/// <summary>
/// What the learning-rate range test (<see cref="CnnTrainer.FindLearningRate"/>) measured: the loss at every rate it
/// tried and the rates it suggests, read from the smoothed loss as fastai's <c>lr_find</c> reads it (leaving out the
/// first tenth of the steps and the last 5). Serializes to JSON with <see cref="ToJson"/> (or System.Text.Json).
/// </summary>
public sealed class LearningRateFinderResult
{
    /// <summary>The network the test trained (a registry name, or the custom architecture's).</summary>
    public required string Architecture { get; init; }

    /// <summary>The optimizer the test stepped with, as the training log describes it (the rate in it is the trainer's, not the test's).</summary>
    public required string Optimizer { get; init; }

    /// <summary>Examples per step.</summary>
    public required int BatchSize { get; init; }

    /// <summary>
    /// The rate to train with: <see cref="SteepestLearningRate"/>, where the loss falls fastest, unless ten times
    /// below the lowest-loss rate is lower (<see cref="LowestLossLearningRate"/> / 10), the safer of fastai's two
    /// classic suggestions.
    /// </summary>
    public required double SuggestedLearningRate { get; init; }

    /// <summary>The rate where the smoothed loss falls fastest per unit of log-rate (fastai's <c>steep</c>).</summary>
    public required double SteepestLearningRate { get; init; }

    /// <summary>The rate with the lowest smoothed loss; fastai's <c>minimum</c> suggests a tenth of it.</summary>
    public required double LowestLossLearningRate { get; init; }

    /// <summary>fastai's <c>valley</c>: two thirds of the way down the longest stretch over which the smoothed loss keeps falling.</summary>
    public required double ValleyLearningRate { get; init; }

    /// <summary>Whether the test stopped early because the loss diverged (see <see cref="LearningRateFinderOptions.StopOnDivergence"/>) or was not finite.</summary>
    public required bool StoppedOnDivergence { get; init; }

    /// <summary>Every step trained, in order; the rates rise geometrically. A step whose loss was not finite ends the test and is not listed.</summary>
    public required IReadOnlyList<LearningRatePoint> Curve { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>This result as indented JSON with camelCase names (<c>suggestedLearningRate</c>, <c>curve</c>, …).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a result written by <see cref="ToJson"/>.</summary>
    /// <exception cref="JsonException">The text is not such a result.</exception>
    public static LearningRateFinderResult FromJson(string json) =>
        JsonSerializer.Deserialize<LearningRateFinderResult>(json, JsonOptions) ?? throw new JsonException("The JSON text is 'null', not a learning-rate finder result.");
}
