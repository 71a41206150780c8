using CnnMl.Demo.Commands.Bench;

namespace CnnMl.Tests.Benchmarks;

/// <summary><c>cnnml bench</c>'s interleaving: every side measured in turn, the first side rotating, each value kept with its side.</summary>
[TestClass]
public sealed class InterleavedTests
{
    [TestMethod]
    public void TwoSidesAlternateABThenBA()
    {
        var calls = new List<string>();
        var (a, b) = Interleaved.Run(4, "x", () => { calls.Add("A"); return calls.Count; }, () => { calls.Add("B"); return -calls.Count; });

        Assert.AreEqual("AB BA AB BA", string.Join(" ", calls.Chunk(2).Select(pair => string.Concat(pair))));
        CollectionAssert.AreEqual(new double[] { 1, 4, 5, 8 }, a.Values.ToArray());
        CollectionAssert.AreEqual(new double[] { -2, -3, -6, -7 }, b.Values.ToArray());
        Assert.AreEqual("x", a.Unit);
    }

    [TestMethod]
    public void ThreeSidesRotateWhichGoesFirst()
    {
        var calls = new List<char>();
        Func<double> Side(char name) => () =>
        {
            calls.Add(name);
            return calls.Count;
        };
        var sides = Interleaved.Run(3, "x", [Side('A'), Side('B'), Side('C')]);

        Assert.AreEqual("ABC BCA CAB", string.Join(" ", calls.Chunk(3).Select(group => new string(group))));
        CollectionAssert.AreEqual(new double[] { 1, 6, 8 }, sides[0].Values.ToArray());
        CollectionAssert.AreEqual(new double[] { 2, 4, 9 }, sides[1].Values.ToArray());
        CollectionAssert.AreEqual(new double[] { 3, 5, 7 }, sides[2].Values.ToArray());
    }
}
