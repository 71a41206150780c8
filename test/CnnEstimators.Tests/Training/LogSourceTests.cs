using CnnMl.Persistence;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Tests.Training;

/// <summary>
/// CnnMl's messages reach <c>MLContext.Log</c> under the component's name, as ML.NET's do: each component registers a
/// host with its name and writes on a channel per phase, so <see cref="LoggingEventArgs.Source"/> reads
/// "CnnTrainer; Training" as SDCA's reads "SdcaTrainerBase; Training", and the message starts with
/// "[Source=CnnTrainer; Training, Kind=Info]".
/// </summary>
[TestClass]
public sealed class LogSourceTests
{
    [TestMethod]
    public void Training_scoring_and_saving_log_under_the_component_names_as_SdcaMaximumEntropy_does()
    {
        var ml = new MLContext(seed: 1);
        var log = new List<LoggingEventArgs>();
        ml.Log += (_, e) =>
        {
            lock (log) log.Add(e);
        };
        var data = SyntheticImages.Create(64);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { Epochs = 1, BatchSize = 16, ReportEveryBatches = 2 }).Fit(data);
        var engine = ml.Model.CreatePredictionEngine<ImageInput, KeyPrediction>(model);
        engine.Predict(new ImageInput { Image = new float[784] });
        using var folder = new TemporaryFolder("cnnml-log");
        ml.Model.SaveAtomically(model, data.Schema, folder.File("model.zip"));
        ml.Transforms.Concatenate("Features", "Image").Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(maximumNumberOfIterations: 2)).Fit(data);

        LoggingEventArgs[] messages;
        lock (log) messages = [.. log];
        var info = messages.Where(m => m.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info).ToArray();
        var ours = info.Where(m => m.Source.StartsWith("Cnn", StringComparison.Ordinal)).ToArray();
        CollectionAssert.AreEquivalent(new[] { "CnnTrainer; Training", "CnnTransformer; Scoring", "CnnTransformer; Save" },
            ours.Select(m => m.Source).Distinct().ToArray(), "every phase under its component's host");
        foreach (var message in ours)
        {
            StringAssert.StartsWith(message.Message, $"[Source={message.Source}, Kind=Info] ", "ML.NET's own prefix names the component");
            Assert.AreEqual(message.Message[$"[Source={message.Source}, Kind=Info] ".Length..], message.RawMessage);
        }
        Assert.IsTrue(ours.Any(m => m.Source == "CnnTrainer; Training" && m.RawMessage.Contains("epoch 1/1", StringComparison.Ordinal)),
            $"the training reports: {string.Join(" | ", ours.Select(m => m.RawMessage))}");
        Assert.IsTrue(ours.Any(m => m.Source == "CnnTransformer; Save" && m.RawMessage.Contains("OnnxTransformer", StringComparison.Ordinal)), "the saved chain");
        Assert.IsTrue(ours.Any(m => m.Source == "CnnTransformer; Scoring"), "the one-row engine");
        // Nothing of CnnMl's is logged without its component (no bare channel on the context itself).
        Assert.IsEmpty(info.Where(m => !m.Source.Contains("; ", StringComparison.Ordinal) && m.RawMessage.Contains("Cnn", StringComparison.Ordinal)).ToList());
        // ML.NET's own trainer, for reference: the same "<component>; <phase>" form.
        Assert.IsTrue(info.Any(m => m.Source == "SdcaTrainerBase; Training"), "SDCA logs as SdcaTrainerBase; Training");
    }
}
