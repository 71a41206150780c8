using CnnMl.Demo.Models;
using CnnMl.Persistence;
using CnnMl.Runtime;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;

namespace CnnMl.Tests.Runtime;

/// <summary>
/// Every ML.NET internal CnnMl relies on (docs/mlnet-internals.md): still there in the ML.NET this build runs on, each
/// failure naming the member, and each listed in the document with the ML.NET version it was checked on.
/// </summary>
[TestClass]
public sealed class MlNetInternalsTests
{
    private static readonly string Document = Path.Combine(TestPaths.RepositoryRoot, "docs", "mlnet-internals.md");

    [TestMethod]
    public void Every_internal_member_the_library_reads_is_there()
    {
        var missing = MlNetInternals.Missing(new MLContext().MulticlassClassification.Trainers);
        Assert.IsEmpty(missing, $"ML.NET {MlNetVersion} no longer has: {string.Join("; ", missing)}. Find a replacement and update docs/mlnet-internals.md.");
        Assert.IsTrue(MlContextCancellation.IsAvailable, $"ML.NET {MlNetVersion} no longer has {MlContextCancellation.Member} (the cancellation tests call it).");
    }

    [TestMethod]
    public void The_bridge_reads_what_the_members_hold()
    {
        var ml = new MLContext(seed: 5) { GpuDeviceId = 3, FallbackToCpu = false };
        var environment = MlNetInternals.FromCatalog(ml.MulticlassClassification.Trainers);
        Assert.AreEqual(3, MlNetInternals.GpuDeviceId(environment), "IHostEnvironmentInternal.GpuDeviceId");
        Assert.IsFalse(MlNetInternals.FallbackToCpu(environment), "IHostEnvironmentInternal.FallbackToCpu");
        Assert.AreEqual(3, MlNetInternals.GpuDeviceId(ml), "MLContext's public GpuDeviceId");

        var host = environment.Register("probe");
        Assert.IsFalse(MlNetInternals.IsCanceled(host), "ICancelable.IsCanceled before CancelExecution");
        MlContextCancellation.Cancel(ml);
        Assert.IsTrue(MlNetInternals.IsCanceled(host), "ICancelable.IsCanceled after CancelExecution");

        var shape = MlNetInternals.SchemaShapeOf(SyntheticImages.Create(4).Schema);
        CollectionAssert.AreEqual(new[] { "Label", "Image" }, shape.Select(c => c.Name).ToArray(), "SchemaShape.Create(DataViewSchema)");
    }

    [TestMethod]
    public void The_export_finds_the_graph_in_the_OnnxModel_zip_entry()
    {
        // OnnxTransformer saves its graph as the zip entry "OnnxModel", a length-prefixed byte array (no public member
        // returns the bytes); cnnml export and evaluate --plots read it there.
        var ml = new MLContext(seed: 1);
        var data = SyntheticImages.Create(32);
        using var model = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { Epochs = 1, BatchSize = 16, ReportEveryBatches = 0 }).Fit(data);
        using var folder = new TemporaryFolder("cnnml-internals");
        var zip = ml.Model.SaveAtomically(model, data.Schema, folder.File("model.zip"));
        var loaded = ml.Model.Load(zip, out _);
        try
        {
            var (bytes, graph) = EmbeddedOnnxGraph.Read(zip, loaded);
            Assert.IsGreaterThan(1_000, bytes.Length);
            CollectionAssert.Contains(graph.Graph.Output.Select(o => o.Name).ToList(), "CnnMl.Probabilities",
                $"the '{EmbeddedOnnxGraph.EntryName}' zip entry holds the exported network");
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    [TestMethod]
    public void The_document_lists_every_member_with_the_version_it_was_checked_on()
    {
        Assert.IsTrue(File.Exists(Document), Document);
        var text = File.ReadAllText(Document);
        foreach (var member in MlNetInternals.Members.Append(MlContextCancellation.Member)
                     .Append($"\"{EmbeddedOnnxGraph.EntryName}\"").Append("mlnet.<column>.SlotNames"))
            StringAssert.Contains(text, $"`{member}`", $"docs/mlnet-internals.md lists {member}");
        StringAssert.Contains(text, "Checked on ML.NET 6.0.0 and 5.0.1");
        StringAssert.StartsWith(MlNetVersion, "6.0.0", "the build runs the ML.NET the document was checked on");
    }

    private static string MlNetVersion =>
        typeof(MLContext).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;
}
