using CnnMl.Scoring;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Scoring;

/// <summary>
/// Who may free a transformer's network, and which calls may run at once (the thread-safety contract in
/// <see cref="CnnTransformer"/>'s documentation): disposing one prediction engine leaves every other user
/// of the model scoring; concurrent <c>Transform</c> calls and one engine per thread score exactly as one
/// thread does; once the network is freed, every use throws <see cref="ObjectDisposedException"/> naming
/// the transformer. Each test trains its own small mnist-cnn, because the tests dispose it.
/// </summary>
[TestClass]
public sealed class TransformerLifetimeTests
{
    private const int Rows = 1000;
    private static IDataView _train = null!;
    private static IDataView _data = null!;
    private static float[][] _images = null!;

    [ClassInitialize]
    public static void CreateData(TestContext _)
    {
        _train = SyntheticImages.Create(256, seed: 1);
        _data = SyntheticImages.Create(Rows, seed: 11);
        _images = _data.GetColumn<VBuffer<float>>("Image").Select(v => v.DenseValues().ToArray()).ToArray();
    }

    private static (MLContext Ml, ITransformer Model, CnnTransformer Cnn) Train(bool asChain)
    {
        var ml = new MLContext(seed: 5);
        var trainer = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { Epochs = 1, BatchSize = 32, ReportEveryBatches = 0 });
        if (!asChain)
        {
            var cnn = trainer.Fit(_train);
            return (ml, cnn, cnn);
        }
        // What pipeline.Fit returns: a TransformerChain, whose Dispose disposes every transformer in it.
        var chain = trainer.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedText", "PredictedLabel")).Fit(_train);
        return (ml, chain, chain.OfType<CnnTransformer>().Single());
    }

    private static float[][] TransformScores(ITransformer model) =>
        model.Transform(_data).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();

    private static float[][] EngineScores(PredictionEngine<ImageInput, KeyPrediction> engine) =>
        _images.Select(image => engine.Predict(new ImageInput { Image = image }).Score).ToArray();

    private static void AssertSameScores(float[][] expected, float[][] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (var row = 0; row < expected.Length; row++)
        {
            Assert.HasCount(expected[row].Length, actual[row], $"{what}, row {row}");
            for (var c = 0; c < expected[row].Length; c++)
                Assert.AreEqual(expected[row][c], actual[row][c], 1e-6, $"{what}, row {row}, class {c}");
        }
    }

    [TestMethod]
    [DataRow(false, DisplayName = "CnnTransformer")]
    [DataRow(true, DisplayName = "TransformerChain")]
    public void DisposingOneEngineLeavesTheOtherEngineAndTransformScoring(bool asChain)
    {
        using var oneThread = TorchThreads.Use(1);
        var (ml, model, cnn) = Train(asChain);
        var expected = TransformScores(model);
        var engineA = ml.Model.CreatePredictionEngine<ImageInput, KeyPrediction>(model);
        var engineB = ml.Model.CreatePredictionEngine<ImageInput, KeyPrediction>(model);
        Assert.AreEqual(expected[0][0], engineA.Predict(new ImageInput { Image = _images[0] }).Score[0], 1e-6);

        // ML.NET's PredictionEngine.Dispose disposes the model it was created from (OwnsTransformer defaults to true).
        engineA.Dispose();

        AssertSameScores(expected, EngineScores(engineB), "second engine after the first was disposed");
        AssertSameScores(expected, TransformScores(model), "Transform after an engine was disposed");
        using var engineC = ml.Model.CreatePredictionEngine<ImageInput, KeyPrediction>(model);
        AssertSameScores(expected, EngineScores(engineC), "engine created after an engine was disposed");
        engineB.Dispose();
        cnn.Dispose();
    }

    [TestMethod]
    public void ConcurrentTransformCallsScoreAsOneThreadDoes()
    {
        using var oneThread = TorchThreads.Use(1);
        var (_, model, cnn) = Train(asChain: false);
        var expected = TransformScores(model);
        var results = new float[3][][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = results.Length }, i => results[i] = TransformScores(model));
        for (var i = 0; i < results.Length; i++) AssertSameScores(expected, results[i], $"thread {i}");
        cnn.Dispose();
    }

    [TestMethod]
    public void OneEnginePerThreadScoresAsTransformDoes()
    {
        using var oneThread = TorchThreads.Use(1);
        var (ml, model, cnn) = Train(asChain: true);
        var expected = TransformScores(model);
        var results = new float[3][][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = results.Length }, i =>
        {
            // The usual per-request pattern: each thread creates, uses and disposes its own engine.
            using var engine = ml.Model.CreatePredictionEngine<ImageInput, KeyPrediction>(model);
            results[i] = EngineScores(engine);
        });
        for (var i = 0; i < results.Length; i++) AssertSameScores(expected, results[i], $"engine of thread {i}");
        AssertSameScores(expected, TransformScores(model), "Transform after every engine was disposed");
        cnn.Dispose();
    }

    [TestMethod]
    public void OnceTheNetworkIsFreedEveryUseThrowsObjectDisposedNamingTheTransformer()
    {
        var (ml, model, cnn) = Train(asChain: false);
        var view = model.Transform(_data);
        var engine = ml.Model.CreatePredictionEngine<ImageInput, KeyPrediction>(model);
        var first = engine.Predict(new ImageInput { Image = _images[0] }).Score;

        // The engine's own hold and the owner's: two Dispose calls free the network.
        cnn.Dispose();
        cnn.Dispose();
        cnn.Dispose(); // more calls than holds do nothing

        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => view.GetColumn<VBuffer<float>>("Score").ToArray()));
        // The same image again: an engine must not answer from its cache either.
        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => engine.Predict(new ImageInput { Image = _images[0] })));
        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => model.Transform(_data)));
        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => ml.Model.CreatePredictionEngine<ImageInput, KeyPrediction>(model)));
        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => cnn.Module));
        Assert.HasCount(4, first);
        // Input columns need no network: reading them still works.
        Assert.HasCount(Rows, view.GetColumn<uint>("Label").ToArray());
    }

    [TestMethod]
    public void WithoutEnginesOneDisposeFreesTheNetwork()
    {
        var (_, model, cnn) = Train(asChain: true);
        Assert.HasCount(Rows, TransformScores(model));
        ((IDisposable)model).Dispose(); // the chain disposes the CnnTransformer
        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => cnn.Transform(_data)));
    }

    private static void AssertNamesTheTransformer(ObjectDisposedException ex)
    {
        Assert.AreEqual(nameof(CnnTransformer), ex.ObjectName);
        StringAssert.Contains(ex.Message, "CnnTransformer ('mnist-cnn', 4 classes) was disposed");
    }
}
