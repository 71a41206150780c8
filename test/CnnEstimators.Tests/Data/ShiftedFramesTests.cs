using CnnMl.Architectures;
using CnnMl.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Data;

[TestClass]
public sealed class ShiftedFramesTests
{
    private sealed class Row
    {
        [VectorType(6)] public float[] Image = [];
        public uint Label;
    }

    [TestMethod]
    public void ShiftsOnePixelPerFrameWithZerosEntering()
    {
        // 1×2×3 image [[1, 2, 3], [4, 5, 6]] as 3 frames.
        var volume = new float[18];
        ShiftedFrames.Expand([1, 2, 3, 4, 5, 6], new ImageShape(1, 2, 3), 3, volume);
        CollectionAssert.AreEqual(new float[]
        {
            1, 2, 3, 4, 5, 6, // d = 0
            0, 1, 2, 0, 4, 5, // d = 1
            0, 0, 1, 0, 0, 4, // d = 2
        }, volume);
    }

    [TestMethod]
    public void ShiftsEveryChannelAlike()
    {
        var volume = new float[8];
        ShiftedFrames.Expand([1, 2, 3, 4], new ImageShape(2, 1, 2), 2, volume);
        CollectionAssert.AreEqual(new float[] { 1, 2, 0, 1, 3, 4, 0, 3 }, volume);
    }

    [TestMethod]
    public void ReplacesTheImageColumnAndKeepsTheLabel()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new Row { Image = [1, 2, 3, 4, 5, 6], Label = 7 },
            new Row { Image = [0, 0, 1, 0, 0, 1], Label = 3 },
        });
        var volumes = ShiftedFrames.Transform(ml, data, new ImageShape(1, 2, 3), frames: 2);
        var column = volumes.Schema["Image"];
        Assert.AreEqual(12, ((VectorDataViewType)column.Type).Size);
        var images = volumes.GetColumn<float[]>("Image").ToArray();
        var labels = volumes.GetColumn<uint>("Label").ToArray();
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6, 0, 1, 2, 0, 4, 5 }, images[0]);
        CollectionAssert.AreEqual(new float[] { 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0 }, images[1]);
        CollectionAssert.AreEqual(new uint[] { 7, 3 }, labels);
        Assert.AreEqual(new ImageShape(1, 8, 28, 28), ShiftedFrames.VolumeShape(new ImageShape(1, 28, 28)));
    }

    [TestMethod]
    public void RejectsAnImageColumnOfTheWrongSize()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Row { Image = new float[6] } });
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ShiftedFrames.Transform(ml, data, new ImageShape(1, 28, 28)));
        StringAssert.Contains(ex.Message, "vector<Single, 784>");
    }
}
