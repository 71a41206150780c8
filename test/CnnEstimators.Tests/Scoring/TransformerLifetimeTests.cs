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
    public void ASecondDisposeOfTheOwnerLeavesALiveEngineScoringUntilTheEngineIsCollected()
    {
        using var oneThread = TorchThreads.Use(1);
        var (ml, model, cnn) = Train(asChain: false);
        var view = model.Transform(_data);
        DisposeTheOwnerThriceUnderALiveEngine(ml, model, cnn, view);

        // The engine disposed itself too, and nothing references it: collecting it frees the network.
        AssertFreedOnceCollected(view);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void DisposeTheOwnerThriceUnderALiveEngine(MLContext ml, ITransformer model, CnnTransformer cnn, IDataView view)
    {
        var expected = TransformScores(model);
        using var engine = CreateEngine(ml, model);

        // What probing found: an explicit Dispose inside a using block. Each call used to release a hold, so the
        // second freed the network under the live engine (ObjectDisposedException at its next Predict).
        using (cnn) cnn.Dispose();
        cnn.Dispose();

        // The owner has disposed: the transformer makes nothing new...
        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => model.Transform(_data)));
        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => ml.Model.CreatePredictionEngine<ImageInput, KeyPrediction>(model)));
        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => cnn.Module));
        // ...but the live engine, and a view made before, score exactly as before.
        AssertSameScores(expected, EngineScores(engine), "the live engine after the owner's three Dispose calls");
        AssertSameScores(expected, ViewScores(view), "a view made before, while an engine holds the network");
    }

    [TestMethod]
    public void OnceTheNetworkIsFreedEveryUseThrowsObjectDisposedNamingTheTransformer()
    {
        var (ml, model, cnn) = Train(asChain: false);
        var view = model.Transform(_data);
        var first = PredictWithAnEngineAndDisposeIt(ml, model);

        // The engine's Dispose and the owner's: the network is freed when the engine has been collected.
        cnn.Dispose();
        cnn.Dispose(); // more calls do nothing more
        AssertFreedOnceCollected(view);

        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => model.Transform(_data)));
        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => ml.Model.CreatePredictionEngine<ImageInput, KeyPrediction>(model)));
        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => cnn.Module));
        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => cnn.SaveWeights(Path.Combine(Path.GetTempPath(), "never-written.pt"))));
        Assert.HasCount(4, first);
        // Input columns need no network: reading them still works.
        Assert.HasCount(Rows, view.GetColumn<uint>("Label").ToArray());
    }

    [TestMethod]
    public void AnEngineCollectedUndisposedLeavesTheOwnersOneDisposeToFreeTheNetworkAtOnce()
    {
        var (ml, model, cnn) = Train(asChain: false);
        var view = model.Transform(_data);
        var engine = CreateEngineAndDropIt(ml, model);
        for (var attempt = 0; attempt < 50 && engine.IsAlive; attempt++) Collect();
        Assert.IsFalse(engine.IsAlive, "the engine, referenced by nothing, was not collected");

        // No engine is alive, so this call can only be the owner's.
        cnn.Dispose();

        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => ViewScores(view)));
    }

    [TestMethod]
    public void WithoutEnginesOneDisposeFreesTheNetwork()
    {
        var (_, model, cnn) = Train(asChain: true);
        Assert.HasCount(Rows, TransformScores(model));
        ((IDisposable)model).Dispose(); // the chain disposes the CnnTransformer
        AssertNamesTheTransformer(Assert.ThrowsExactly<ObjectDisposedException>(() => cnn.Transform(_data)));
    }

    private static float[][] ViewScores(IDataView view) =>
        view.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();

    // Engines are made in methods of their own, so that no local of a test keeps them reachable.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static PredictionEngine<ImageInput, KeyPrediction> CreateEngine(MLContext ml, ITransformer model)
    {
        var engine = ml.Model.CreatePredictionEngine<ImageInput, KeyPrediction>(model);
        Assert.HasCount(4, engine.Predict(new ImageInput { Image = _images[0] }).Score);
        return engine;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference CreateEngineAndDropIt(MLContext ml, ITransformer model) => new(CreateEngine(ml, model));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static float[] PredictWithAnEngineAndDisposeIt(MLContext ml, ITransformer model)
    {
        using var engine = CreateEngine(ml, model);
        return engine.Predict(new ImageInput { Image = _images[0] }).Score;
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Thread.Sleep(20); // the last engine's finalizer frees the network on a thread-pool thread
    }

    // The network is freed by the finalizer of the last engine's hold: collect until a view made before says so.
    private static void AssertFreedOnceCollected(IDataView view)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            Collect();
            try
            {
                ViewScores(view);
            }
            catch (ObjectDisposedException ex)
            {
                AssertNamesTheTransformer(ex);
                return;
            }
        }
        Assert.Fail("The network was not freed after the owner's Dispose and 50 garbage collections with no engine left.");
    }

    private static void AssertNamesTheTransformer(ObjectDisposedException ex)
    {
        Assert.AreEqual(nameof(CnnTransformer), ex.ObjectName);
        StringAssert.Contains(ex.Message, "CnnTransformer ('mnist-cnn', 4 classes) was disposed");
    }
}
