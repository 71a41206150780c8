using CnnMl.Architectures;
using CnnMl.Runtime;
using CnnMl.Tests.Support;
using CnnMl.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Training;

[TestClass]
public sealed class SchemaValidationTests
{
    private sealed class FloatLabelRow
    {
        public float Label { get; set; }

        [VectorType(784)]
        public float[] Image { get; set; } = new float[784];
    }

    private sealed class RgbRow
    {
        [KeyType(10)]
        public uint Label { get; set; }

        [VectorType(3072)]
        public float[] Pixels { get; set; } = new float[3072];
    }

    private sealed class VariableRow
    {
        [KeyType(10)]
        public uint Label { get; set; }

        public float[] Image { get; set; } = new float[784];
    }

    [TestMethod]
    public void MissingLabelColumnIsNamed()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticImages.Create(8);
        var trainer = ml.MulticlassClassification.Trainers.Cnn(labelColumnName: "Digit");
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        StringAssert.StartsWith(ex.Message, "Label column 'Digit' was not found in the input (columns: Label, Image).");
        var shapeEx = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(MlNetInternals.SchemaShapeOf(data.Schema)));
        StringAssert.StartsWith(shapeEx.Message, "Label column 'Digit' was not found in the input schema");
    }

    [TestMethod]
    public void NonKeyLabelSaysToMapValueToKey()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new FloatLabelRow() });
        var trainer = ml.MulticlassClassification.Trainers.Cnn();
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        StringAssert.StartsWith(ex.Message,
            "Label column 'Label' has type Single; expected a key type. Convert it with mlContext.Transforms.Conversion.MapValueToKey(\"Label\").");
        var shapeEx = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(MlNetInternals.SchemaShapeOf(data.Schema)));
        StringAssert.StartsWith(shapeEx.Message, "Label column 'Label' has type Single; expected a key type.");
    }

    [TestMethod]
    public void WrongImageSizeNamesColumnFoundAndExpected()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new RgbRow { Label = 1 } });
        var trainer = ml.MulticlassClassification.Trainers.Cnn(featureColumnName: "Pixels");
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        StringAssert.StartsWith(ex.Message,
            "Image column 'Pixels' has 3072 values; architecture 'mnist-cnn' expects 1x28x28 = 784. Set ImageShape or resize.");
    }

    [TestMethod]
    public void VariableSizeImageIsRejected()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new VariableRow { Label = 1 } });
        var trainer = ml.MulticlassClassification.Trainers.Cnn();
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        StringAssert.StartsWith(ex.Message, "Image column 'Image' is a variable-size vector; architecture 'mnist-cnn' expects a known-size vector<Single> of 1x28x28 = 784.");
        var shapeEx = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(MlNetInternals.SchemaShapeOf(data.Schema)));
        StringAssert.StartsWith(shapeEx.Message, "Image column 'Image' has type variable-size Vector<Single>; architecture 'mnist-cnn' expects a known-size vector<Single> of 1x28x28 = 784.");
    }

    [TestMethod]
    public void MissingImageColumnIsNamed()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticImages.Create(8);
        var trainer = ml.MulticlassClassification.Trainers.Cnn(featureColumnName: "Features");
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        StringAssert.StartsWith(ex.Message, "Image column 'Features' was not found in the input (columns: Label, Image).");
    }

    [TestMethod]
    public void OutputSchemaAddsScoreAndPredictedLabel()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticImages.Create(8);
        var shape = ml.MulticlassClassification.Trainers.Cnn().GetOutputSchema(MlNetInternals.SchemaShapeOf(data.Schema));
        CollectionAssert.AreEqual(new[] { "Label", "Image", "Score", "PredictedLabel" }, shape.Select(c => c.Name).ToArray());
        var score = shape.Single(c => c.Name == "Score");
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, score.Kind);
        Assert.AreEqual(NumberDataViewType.Single, score.ItemType);
        Assert.IsTrue(shape.Single(c => c.Name == "PredictedLabel").IsKey);
    }

    [TestMethod]
    public void BadOptionsAreRejectedWithTheValue()
    {
        var ml = new MLContext(seed: 1);
        var epochs = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Cnn(epochs: 0));
        StringAssert.Contains(epochs.Message, "Epochs must be at least 1 (0 is allowed with InitialWeights");
        StringAssert.Contains(epochs.Message, "Actual value was 0.");
        var arch = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.Cnn(architecture: "alexnet"));
        StringAssert.StartsWith(arch.Message, "Unknown architecture 'alexnet'. Known architectures: mnist-cnn, lenet5");
        var lr = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Cnn(learningRate: double.NaN));
        StringAssert.Contains(lr.Message, "Adam.LearningRate must be a positive finite number; got NaN.");
        Assert.AreEqual("Optimizer.LearningRate", lr.ParamName);
    }

    [TestMethod]
    public void ImageShapeMustMatchTheArchitecture()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticImages.Create(8, size: 12);
        var trainer = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { Architecture = CnnArchitectures.LeNet5, ImageShape = new ImageShape(1, 12, 12), Epochs = 1 });
        using var model = trainer.Fit(data);
        Assert.AreEqual(new ImageShape(1, 12, 12), model.Definition.ImageShape);
        var tooSmall = ml.MulticlassClassification.Trainers.Cnn(new CnnTrainerOptions { Architecture = CnnArchitectures.LeNet5, ImageShape = new ImageShape(1, 8, 8) });
        var ex = Assert.ThrowsExactly<ArgumentException>(() => tooSmall.Fit(SyntheticImages.Create(8, size: 8)));
        StringAssert.Contains(ex.Message, "'lenet5' cannot take input 1x8x8");
    }
}
