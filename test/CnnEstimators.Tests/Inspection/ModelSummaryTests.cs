using System.Text.Json;
using CnnMl.Architectures;
using CnnMl.Inspection;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CnnMl.Tests.Inspection;

[TestClass]
public sealed class ModelSummaryTests
{
    [TestMethod]
    public void MnistCnnHasExactMacsAndParameters()
    {
        var summary = ModelSummary.Of(CnnArchitectures.MnistCnn, new ImageShape(1, 28, 28), 10);

        // conv 1→16 at 28×28, 16→32 and 32→32 at 14×14, 32→64 at 7×7 (all 5×5), linear 3136→10.
        Assert.AreEqual(10_380_160L, summary.Macs);
        Assert.AreEqual(121_514L, summary.TotalParameters);
        Assert.AreEqual(121_514L, summary.TrainableParameters);
        Assert.AreEqual(0L, summary.NonTrainableParameters);
        Assert.AreEqual(121_514L * sizeof(float), summary.ParameterBytes);
        Assert.AreEqual("mnist-cnn", summary.Architecture);
        CollectionAssert.AreEqual(new long[] { 1, 10 }, summary.OutputShape.ToArray());
    }

    [TestMethod]
    public void MnistCnnRowsFollowCallOrderWithStateDictPaths()
    {
        var summary = ModelSummary.Of(CnnArchitectures.MnistCnn, new ImageShape(1, 28, 28), 10);

        CollectionAssert.AreEqual(
            new[] { "", "conv1", "conv1.0", "conv1.1", "conv1.2", "conv2", "conv2.0", "conv2.1", "conv2.2", "conv2.3", "conv2.4", "conv3", "conv3.0", "conv3.1", "out" },
            summary.Layers.Select(l => l.Name).ToArray());
        CollectionAssert.AreEqual(
            new[] { 0, 1, 2, 2, 2, 1, 2, 2, 2, 2, 2, 1, 2, 2, 1 },
            summary.Layers.Select(l => l.Depth).ToArray());
        CollectionAssert.AreEqual(
            new[] { "MnistCnn", "Sequential", "Conv2d", "ReLU", "MaxPool2d", "Sequential", "Conv2d", "ReLU", "Conv2d", "ReLU", "MaxPool2d", "Sequential", "Conv2d", "ReLU", "Linear" },
            summary.Layers.Select(l => l.Type).ToArray());

        var conv = summary.Layers.Single(l => l.Name == "conv1.0");
        CollectionAssert.AreEqual(new long[] { 1, 16, 28, 28 }, conv.OutputShape!.ToArray());
        Assert.AreEqual(16L * 25 + 16, conv.Parameters);
        Assert.AreEqual(16L * 28 * 28 * 25, conv.Macs);

        var container = summary.Layers.Single(l => l.Name == "conv2");
        CollectionAssert.AreEqual(new long[] { 1, 32, 7, 7 }, container.OutputShape!.ToArray());
        Assert.AreEqual(0L, container.Parameters);
        Assert.AreEqual(0L, container.Macs);

        Assert.AreEqual(summary.TotalParameters, summary.Layers.Sum(l => l.Parameters));
        Assert.IsTrue(summary.Layers.All(l => l.WasCalled && !l.IsRepeatedCall));
    }

    [TestMethod]
    public void LeNetChildrenHaveTheDocumentsShapes()
    {
        var summary = ModelSummary.Of(CnnArchitectures.LeNet5, new ImageShape(1, 28, 28), 10);
        var expected = new long[][]
        {
            [1, 6, 28, 28], [1, 6, 28, 28], [1, 6, 14, 14], [1, 16, 10, 10], [1, 16, 10, 10], [1, 16, 5, 5],
            [1, 400], [1, 120], [1, 120], [1, 84], [1, 84], [1, 10],
        };
        var children = summary.LayersAtDepth(1);
        Assert.HasCount(expected.Length, children);
        for (var i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i], children[i].OutputShape!.ToArray(), $"row {i} ({children[i].Type})");
        CollectionAssert.AreEqual(
            new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11" }, children.Select(c => c.Name).ToArray());

        // 6·28²·25 + 16·10²·6·25 + 400·120 + 120·84 + 84·10
        Assert.AreEqual(416_520L, summary.Macs);
        Assert.AreEqual(61_706L, summary.TotalParameters);
        Assert.AreEqual(61_706L, summary.Layers.Sum(l => l.Parameters));
    }

    [TestMethod]
    public void DefaultOverloadUsesTheRegistryDefaults()
    {
        var summary = ModelSummary.Of(CnnArchitectures.LeNet5);
        Assert.AreEqual(new ImageShape(1, 28, 28), summary.Input);
        CollectionAssert.AreEqual(new long[] { 1, 10 }, summary.OutputShape.ToArray());
    }

    [TestMethod]
    public void AModuleCalledTwiceGetsTwoRowsAndCountsItsParametersOnce()
    {
        using var net = new SharedLayerNet();
        var summary = ModelSummary.Of(net, new ImageShape(8, 1));

        var rows = summary.Layers.Where(l => l.Name == "shared").ToArray();
        Assert.HasCount(2, rows);
        Assert.IsFalse(rows[0].IsRepeatedCall);
        Assert.IsTrue(rows[1].IsRepeatedCall);
        Assert.AreEqual(8L * 8 + 8, rows[0].Parameters);
        Assert.AreEqual(0L, rows[1].Parameters);
        // Each call does its own work: output (1, 1, 8) × 8 inputs.
        Assert.AreEqual(8L * 8, rows[0].Macs);
        Assert.AreEqual(8L * 8, rows[1].Macs);
        Assert.AreEqual(summary.TotalParameters, summary.Layers.Sum(l => l.Parameters));
        Assert.AreEqual(8L * 8 + 8 + 8 * 3, summary.TotalParameters);
    }

    [TestMethod]
    public void ParameterOwnersThatAreNeverCalledAreListedSoTotalsAddUp()
    {
        using var net = new SharedLayerNet();
        var summary = ModelSummary.Of(net, new ImageShape(8, 1));

        var unused = summary.Layers.Single(l => l.Name == "unused");
        Assert.IsFalse(unused.WasCalled);
        Assert.IsNull(unused.OutputShape);
        Assert.AreEqual(8L * 3, unused.Parameters);
        Assert.AreSame(unused, summary.Layers[^1]);
        // A parameterless module that is never called (the dropout) gets no row.
        Assert.IsFalse(summary.Layers.Any(l => l.Name == "idle"));
    }

    [TestMethod]
    public void ModulesHooksCannotSeeStillCountTheirParameters()
    {
        using var net = new UnhookableChildrenNet();
        var summary = ModelSummary.Of(net, new ImageShape(4, 1));

        // Bilinear takes two tensors (no Module<Tensor, Tensor> hook); "direct" is run through forward().
        var hidden = summary.Layers.Where(l => !l.WasCalled).ToDictionary(l => l.Name);
        CollectionAssert.AreEquivalent(new[] { "pair", "direct" }, hidden.Keys.ToArray());
        Assert.AreEqual(4L * 4 * 3 + 3, hidden["pair"].Parameters);
        Assert.AreEqual("Bilinear", hidden["pair"].Type);
        Assert.AreEqual(3L * 2 + 2, hidden["direct"].Parameters);
        Assert.AreEqual(summary.TotalParameters, summary.Layers.Sum(l => l.Parameters));
        CollectionAssert.AreEqual(new long[] { 1, 2 }, summary.OutputShape.ToArray());
        // Only the model itself was seen being called.
        Assert.HasCount(1, summary.Layers.Where(l => l.WasCalled).ToArray());
    }

    [TestMethod]
    public void FrozenParametersAreNonTrainable()
    {
        using var net = CnnArchitectures.Get(CnnArchitectures.MnistCnn).Create();
        foreach (var (name, parameter) in net.named_parameters())
            if (name.StartsWith("conv1.", StringComparison.Ordinal)) parameter.requires_grad = false;

        var summary = ModelSummary.Of(net, new ImageShape(1, 28, 28));

        Assert.AreEqual(416L, summary.NonTrainableParameters);
        Assert.AreEqual(121_514L - 416, summary.TrainableParameters);
        var conv = summary.Layers.Single(l => l.Name == "conv1.0");
        Assert.AreEqual(416L, conv.Parameters);
        Assert.AreEqual(0L, conv.TrainableParameters);
    }

    [TestMethod]
    public void LeavesTrainAndEvalModesAsFound()
    {
        using var net = CnnArchitectures.Get(CnnArchitectures.MnistCnn).Create();
        net.train();
        var conv2 = net.named_modules().Single(m => m.name == "conv2").module;
        conv2.eval();

        ModelSummary.Of(net, new ImageShape(1, 28, 28));

        Assert.IsTrue(net.training);
        Assert.IsFalse(conv2.training);
        Assert.IsTrue(net.named_modules().Single(m => m.name == "conv1.0").module.training);
        Assert.IsFalse(net.named_modules().Single(m => m.name == "conv2.0").module.training);
    }

    [TestMethod]
    public void HooksAreRemovedAfterwards()
    {
        using var net = CnnArchitectures.Get(CnnArchitectures.MnistCnn).Create();
        ModelSummary.Of(net, new ImageShape(1, 28, 28));
        var second = ModelSummary.Of(net, new ImageShape(1, 28, 28));
        Assert.HasCount(15, second.Layers);
    }

    [TestMethod]
    public void AShapeTheNetworkCannotTakeIsAnArgumentExceptionNamingIt()
    {
        using var net = CnnArchitectures.Get(CnnArchitectures.MnistCnn).Create();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ModelSummary.Of(net, new ImageShape(3, 28, 28), "mnist-cnn"));
        StringAssert.Contains(ex.Message, "Cannot summarize 'mnist-cnn' for input 3x28x28");
        StringAssert.Contains(ex.Message, "[1, 3, 28, 28]");
        // The failed pass left no hooks behind.
        Assert.HasCount(15, ModelSummary.Of(net, new ImageShape(1, 28, 28)).Layers);
    }

    [TestMethod]
    public void UnknownArchitectureIsRejected()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ModelSummary.Of("no-such-net", new ImageShape(1, 28, 28), 10));
        StringAssert.Contains(ex.Message, "Unknown architecture 'no-such-net'");
    }

    [TestMethod]
    public void TableIsAlignedAndEndsWithTotals()
    {
        var table = ModelSummary.Of(CnnArchitectures.MnistCnn, new ImageShape(1, 28, 28), 10).ToTable();
        var lines = table.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

        var rule = lines[0];
        Assert.IsTrue(rule.All(c => c == '='));
        // Rows between the second and third rule: all as wide as the rule, because the last column is right-aligned.
        var rules = lines.Select((l, i) => (l, i)).Where(x => x.l == rule).Select(x => x.i).ToArray();
        var rows = lines[(rules[1] + 1)..rules[2]];
        Assert.HasCount(15, rows);
        Assert.IsTrue(rows.All(r => r.Length == rule.Length), table);

        StringAssert.StartsWith(rows[0], "mnist-cnn (MnistCnn)");
        StringAssert.StartsWith(rows[2], "    conv1.0 (Conv2d)");
        StringAssert.Matches(rows[2], new System.Text.RegularExpressions.Regex(@"\[1, 16, 28, 28\]\s+416\s+313,600$"));
        StringAssert.Matches(rows[1], new System.Text.RegularExpressions.Regex(@"\[1, 16, 14, 14\]\s+--\s+--$"));
        CollectionAssert.Contains(lines, "Total params: 121,514");
        CollectionAssert.Contains(lines, "Trainable params: 121,514");
        CollectionAssert.Contains(lines, "Non-trainable params: 0");
        CollectionAssert.Contains(lines, "Total mult-adds: 10,380,160 (10.38 M)");
    }

    [TestMethod]
    public void JsonCarriesTheSummary()
    {
        var summary = ModelSummary.Of(CnnArchitectures.MnistCnn, new ImageShape(1, 28, 28), 10);
        using var doc = JsonDocument.Parse(summary.ToJson());
        var root = doc.RootElement;

        Assert.AreEqual("mnist-cnn", root.GetProperty("architecture").GetString());
        CollectionAssert.AreEqual(new long[] { 1, 28, 28 }, root.GetProperty("input").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        Assert.AreEqual(121_514L, root.GetProperty("totalParameters").GetInt64());
        Assert.AreEqual(121_514L, root.GetProperty("trainableParameters").GetInt64());
        Assert.AreEqual(10_380_160L, root.GetProperty("macs").GetInt64());
        var layers = root.GetProperty("layers").EnumerateArray().ToArray();
        Assert.HasCount(15, layers);
        var conv = layers[2];
        Assert.AreEqual("conv1.0", conv.GetProperty("name").GetString());
        Assert.AreEqual("Conv2d", conv.GetProperty("type").GetString());
        CollectionAssert.AreEqual(new long[] { 1, 16, 28, 28 }, conv.GetProperty("outputShape").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        Assert.AreEqual(416L, conv.GetProperty("parameters").GetInt64());
        Assert.AreEqual(313_600L, conv.GetProperty("macs").GetInt64());
    }

    /// <summary>
    /// forward: shared(shared(x)) — the (N, 8, 1) example is transposed to (N, 1, 8) first, since Linear acts on
    /// the last dimension. "unused" owns parameters but is never called; "idle" owns none and is never called.
    /// </summary>
    private sealed class SharedLayerNet : Module<Tensor, Tensor>
    {
        private readonly Linear shared = Linear(8, 8);
        private readonly Linear unused = Linear(8, 3, hasBias: false);
        private readonly Dropout idle = Dropout();

        public SharedLayerNet() : base(nameof(SharedLayerNet)) => RegisterComponents();

        public override Tensor forward(Tensor x) => shared.call(shared.call(x.transpose(1, 2)));
    }

    /// <summary>forward: direct.forward(pair(x, x)) on (N, 4) — neither child fires a Module&lt;Tensor, Tensor&gt; hook.</summary>
    private sealed class UnhookableChildrenNet : Module<Tensor, Tensor>
    {
        private readonly Bilinear pair = Bilinear(4, 4, 3);
        private readonly Linear direct = Linear(3, 2);

        public UnhookableChildrenNet() : base(nameof(UnhookableChildrenNet)) => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            var flat = x.flatten(1);
            return direct.forward(pair.call(flat, flat));
        }
    }
}
