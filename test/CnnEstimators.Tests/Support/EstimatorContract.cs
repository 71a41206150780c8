using System.Reflection;
using CnnMl.Runtime;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CnnMl.Tests.Support;

/// <summary>
/// The checks of ML.NET's <c>TestEstimatorCore</c> (test/Microsoft.ML.TestFramework/DataPipe/TestDataPipeBase.cs in
/// dotnet/machinelearning) for a third-party estimator: the schema the estimator promises for an input equals the
/// one its fitted transformer delivers (every column's name, kind, item type and key flag, and every annotation's
/// name and type, both ways); the transformer's <c>GetOutputSchema</c>, its row mapper and the schema of
/// <c>Transform</c> agree with each other, annotation values included; inputs an estimator must refuse are refused
/// by <c>GetOutputSchema</c> and <c>Fit</c> with ML.NET's exception types; and, when a save-and-reload function is
/// given, the reloaded transformer delivers the same schema and the same values.
/// </summary>
internal static class EstimatorContract
{
    /// <summary>Saves a transformer with the input schema and loads it back (the persistence half of TestEstimatorCore).</summary>
    public delegate ITransformer SaveAndReload(ITransformer transformer, DataViewSchema inputSchema);

    /// <summary>A way to save and reload a transformer, and how closely the reloaded one must match.</summary>
    /// <param name="Name">For messages.</param>
    /// <param name="Reload">The round trip.</param>
    /// <param name="Exact">
    /// True: the same schema as TestEstimatorCore checks it (every column, hidden ones too, in order, with every
    /// annotation). False: the same visible columns and types, and every annotation the reloaded transformer carries
    /// has the original's value (for a model that reloads as other transformers, which may carry fewer annotations).
    /// </param>
    public sealed record RoundTrip(string Name, SaveAndReload Reload, bool Exact);

    /// <summary>Runs the checks and returns the fitted transformer (the caller disposes it).</summary>
    /// <param name="estimator">The estimator under test.</param>
    /// <param name="validFitInput">Data it fits on.</param>
    /// <param name="validTransformInput">Data the transformer scores but the estimator cannot fit on (no label), or null.</param>
    /// <param name="invalidInput">Data both must refuse, or null.</param>
    /// <param name="roundTrips">Ways to save and reload the transformer; each reloaded one must deliver the same schema (see <see cref="RoundTrip.Exact"/>) and scores.</param>
    public static ITransformer Check(IEstimator<ITransformer> estimator, IDataView validFitInput, IDataView? validTransformInput = null,
        IDataView? invalidInput = null, params RoundTrip[] roundTrips)
    {
        var promised = estimator.GetOutputSchema(MlNetInternals.SchemaShapeOf(validFitInput.Schema));
        if (validTransformInput is not null)
        {
            MustFail(() => estimator.GetOutputSchema(MlNetInternals.SchemaShapeOf(validTransformInput.Schema)), "GetOutputSchema of the transform-only input");
            MustFail(() => estimator.Fit(validTransformInput), "Fit on the transform-only input");
        }
        if (invalidInput is not null)
        {
            MustFail(() => estimator.GetOutputSchema(MlNetInternals.SchemaShapeOf(invalidInput.Schema)), "GetOutputSchema of the invalid input");
            MustFail(() => estimator.Fit(invalidInput), "Fit on the invalid input");
        }

        var transformer = estimator.Fit(validFitInput);
        var reloadedTransformers = roundTrips.Select(roundTrip => roundTrip.Reload(transformer, validFitInput.Schema)).ToArray();
        foreach (var data in new[] { validFitInput, validTransformInput }.OfType<IDataView>())
        {
            var schema = transformer.GetOutputSchema(data.Schema);
            Assert.IsTrue(transformer.IsRowToRowMapper);
            var mapper = transformer.GetRowToRowMapper(data.Schema);
            Assert.AreSame(data.Schema, mapper.InputSchema, "the row mapper's input schema is the input's");
            AssertSameSchemas(schema, mapper.OutputSchema, "row mapper");
            AssertSameSchemas(schema, transformer.Transform(data).Schema, "Transform");
            for (var i = 0; i < reloadedTransformers.Length; i++)
            {
                var reloaded = reloadedTransformers[i];
                var (name, exact) = (roundTrips[i].Name, roundTrips[i].Exact);
                Action<DataViewSchema, DataViewSchema, string> same = exact ? AssertSameSchemas : AssertSameVisibleColumns;
                same(schema, reloaded.GetOutputSchema(data.Schema), $"{name}: GetOutputSchema");
                same(schema, reloaded.Transform(data).Schema, $"{name}: Transform");
                AssertSameValues(transformer.Transform(data), reloaded.Transform(data), name);
            }
        }
        if (invalidInput is not null)
        {
            MustFail(() => transformer.GetOutputSchema(invalidInput.Schema), "the transformer's GetOutputSchema of the invalid input");
            MustFail(() => transformer.Transform(invalidInput), "Transform of the invalid input");
        }

        AssertSameShapes(promised, MlNetInternals.SchemaShapeOf(transformer.GetOutputSchema(validFitInput.Schema)));
        foreach (var reloaded in reloadedTransformers) (reloaded as IDisposable)?.Dispose();
        return transformer;
    }

    /// <summary>Promised and delivered shapes: same columns; per column the same kind, item type, key flag and annotations.</summary>
    public static void AssertSameShapes(SchemaShape promised, SchemaShape delivered)
    {
        CollectionAssert.AreEqual(promised.Select(c => c.Name).Order().ToArray(), delivered.Select(c => c.Name).Order().ToArray(), "columns");
        foreach (var p in promised)
        {
            var d = delivered.Single(c => c.Name == p.Name);
            Assert.AreEqual(Describe(p), Describe(d), $"column '{p.Name}': promised vs delivered");
        }
    }

    /// <summary>"Vector&lt;Single&gt; [ScoreColumnKind: Text, SlotNames: Vector&lt;Text&gt;, …]" with annotations sorted by name.</summary>
    public static string Describe(SchemaShape.Column column)
    {
        var annotations = (column.Annotations ?? new SchemaShape([])).OrderBy(a => a.Name, StringComparer.Ordinal).Select(a => $"{a.Name}: {Kind(a)}");
        return $"{Kind(column)} [{string.Join(", ", annotations)}]";
    }

    private static string Kind(SchemaShape.Column column) => $"{column.Kind} {(column.IsKey ? "Key" : "")}<{column.ItemType}>";

    private static void AssertSameSchemas(DataViewSchema expected, DataViewSchema actual, string what)
    {
        Assert.HasCount(expected.Count, actual, $"{what}: column count\nexpected:\n{Describe(expected)}\nactual:\n{Describe(actual)}");
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.AreEqual(e.Name, a.Name, $"{what}: column {i}");
            Assert.AreEqual(e.Type, a.Type, $"{what}: type of '{e.Name}'");
            Assert.AreEqual(e.IsHidden, a.IsHidden, $"{what}: '{e.Name}' hidden");
            CollectionAssert.AreEqual(e.Annotations.Schema.Select(c => $"{c.Name}: {c.Type}").ToArray(),
                a.Annotations.Schema.Select(c => $"{c.Name}: {c.Type}").ToArray(), $"{what}: annotations of '{e.Name}'\nexpected:\n{Describe(expected)}\nactual:\n{Describe(actual)}");
            foreach (var annotation in e.Annotations.Schema)
                Assert.AreEqual(ReadAnnotation(e, annotation), ReadAnnotation(a, a.Annotations.Schema[annotation.Name]), $"{what}: '{e.Name}' annotation {annotation.Name}");
        }
    }

    private static void AssertSameVisibleColumns(DataViewSchema expected, DataViewSchema actual, string what)
    {
        var message = $"{what}\nexpected:\n{Describe(expected)}\nactual:\n{Describe(actual)}";
        CollectionAssert.AreEquivalent(expected.Where(c => !c.IsHidden).Select(c => $"{c.Name}: {c.Type}").ToArray(),
            actual.Where(c => !c.IsHidden).Select(c => $"{c.Name}: {c.Type}").ToArray(), $"visible columns: {message}");
        foreach (var a in actual.Where(c => !c.IsHidden))
        {
            var e = expected[a.Name];
            foreach (var annotation in a.Annotations.Schema)
            {
                var original = e.Annotations.Schema.GetColumnOrNull(annotation.Name);
                Assert.IsNotNull(original, $"'{a.Name}' carries annotation {annotation.Name} the original does not: {message}");
                Assert.AreEqual(original.Value.Type, annotation.Type, $"'{a.Name}' annotation {annotation.Name}: {message}");
                Assert.AreEqual(ReadAnnotation(e, original.Value), ReadAnnotation(a, annotation), $"'{a.Name}' annotation {annotation.Name}: {message}");
            }
        }
    }

    /// <summary>One line per column: name, type, hidden, annotations with their types.</summary>
    public static string Describe(DataViewSchema schema) => string.Join("\n", schema.Select(c =>
        $"  {c.Name}: {c.Type}{(c.IsHidden ? " (hidden)" : "")} [{string.Join(", ", c.Annotations.Schema.Select(a => $"{a.Name}: {a.Type}"))}]"));

    // Every visible float-vector column (scores, images) within 1e-5 and every visible UInt32 key column (labels,
    // predicted labels) exactly.
    private static void AssertSameValues(IDataView expected, IDataView actual, string what)
    {
        foreach (var column in expected.Schema.Where(c => !c.IsHidden && c.Type is VectorDataViewType vector && vector.ItemType == NumberDataViewType.Single))
        {
            var e = expected.GetColumn<VBuffer<float>>(column.Name).Select(v => v.DenseValues().ToArray()).ToArray();
            var a = actual.GetColumn<VBuffer<float>>(column.Name).Select(v => v.DenseValues().ToArray()).ToArray();
            Assert.HasCount(e.Length, a);
            for (var i = 0; i < e.Length; i++)
                for (var j = 0; j < e[i].Length; j++)
                    Assert.AreEqual(e[i][j], a[i][j], 1e-5, $"{what}: '{column.Name}' row {i} slot {j}");
        }
        foreach (var column in expected.Schema.Where(c => !c.IsHidden && c.Type is KeyDataViewType { RawType: var raw } && raw == typeof(uint)))
            CollectionAssert.AreEqual(expected.GetColumn<uint>(column.Name).ToArray(), actual.GetColumn<uint>(column.Name).ToArray(), $"{what}: '{column.Name}'");
    }

    /// <summary>An annotation's value as text ("a, b, c" for vectors), whatever its type.</summary>
    public static string ReadAnnotation(DataViewSchema.Column column, DataViewSchema.Column annotation)
    {
        var raw = annotation.Type is VectorDataViewType vector ? vector.ItemType.RawType : annotation.Type.RawType;
        var name = annotation.Type is VectorDataViewType ? nameof(ReadVector) : nameof(ReadScalar);
        return (string)typeof(EstimatorContract).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(raw).Invoke(null, [column, annotation])!;
    }

    private static string ReadScalar<T>(DataViewSchema.Column column, DataViewSchema.Column annotation)
    {
        var value = default(T);
        column.Annotations.GetGetter<T>(annotation)(ref value!);
        return Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    private static string ReadVector<T>(DataViewSchema.Column column, DataViewSchema.Column annotation)
    {
        var value = default(VBuffer<T>);
        column.Annotations.GetGetter<VBuffer<T>>(annotation)(ref value);
        return string.Join(", ", value.DenseValues().Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)));
    }

    // TestEstimatorCore's mustFail: ML.NET refuses bad input with one of these two types.
    private static void MustFail(Action action, string what)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or InvalidOperationException)
        {
            return;
        }
        Assert.Fail($"{what} should have failed with ArgumentOutOfRangeException or InvalidOperationException.");
    }
}
