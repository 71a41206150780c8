using CnnMl.Architectures;
using CnnMl.Optimizers;
using CnnMl.Runtime;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl;

/// <summary>
/// <c>mlContext.MulticlassClassification.Trainers.Cnn(...)</c>: the CnnMl trainer in ML.NET's catalog.
/// </summary>
public static class CnnCatalog
{
    /// <summary>
    /// A convolutional network trainer with the source document's defaults (Adam, 1e-3, batch 64, 3 epochs).
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">Key-typed label column.</param>
    /// <param name="featureColumnName">Image column: a known-size vector&lt;float&gt; of the architecture's input (1×28×28 = 784 for MNIST networks).</param>
    /// <param name="architecture">Registry name (<see cref="CnnArchitectures"/>).</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="batchSize">Examples per step.</param>
    /// <param name="learningRate">Adam's learning rate (<see cref="Adam"/>; the options overload takes any optimizer).</param>
    public static CnnTrainer Cnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = CnnTrainerOptions.DefaultLabelColumnName, string featureColumnName = CnnTrainerOptions.DefaultFeatureColumnName, string architecture = CnnArchitectures.MnistCnn,
        int epochs = CnnTrainerOptions.DefaultEpochs, int batchSize = CnnTrainerOptions.DefaultBatchSize,
        double learningRate = CnnOptimizer.DefaultLearningRate)
        => Cnn(catalog, new CnnTrainerOptions
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            Architecture = architecture,
            Epochs = epochs,
            BatchSize = batchSize,
            Optimizer = new Adam { LearningRate = learningRate },
        });

    /// <summary>A convolutional network trainer configured by <paramref name="options"/>.</summary>
    public static CnnTrainer Cnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, CnnTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        TorchRuntime.EnsureAvailable();
        return new CnnTrainer(MlNetInternals.FromCatalog(catalog), options);
    }
}
