using System.Reflection;
using CnnMl.Onnx;
using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Transforms;
using Onnx;

namespace CnnMl.Scoring;

/// <summary>
/// A <see cref="CnnTransformer"/> rebuilt from ML.NET's own saveable transformers, so that
/// <c>mlContext.Model.Save</c> can store it and a plain <c>mlContext.Model.Load</c> (Microsoft.ML +
/// Microsoft.ML.OnnxTransformer + Microsoft.ML.OnnxRuntime, no CnnMl) scores the same <c>Score</c> and
/// <c>PredictedLabel</c>. ML.NET's model format is closed to third-party transformers, but
/// <see cref="ICanSaveModel"/> is public: the transformer hands its <see cref="ModelSaveContext"/> to this chain.
/// </summary>
/// <remarks>
/// The chain, in order (temporary columns are named <c>CnnMl.*</c> and dropped at the end):
/// <list type="number">
/// <item><c>OnnxTransformer</c> over the exported network: feature column → <c>CnnMl.Probabilities</c>
/// (softmax, <c>Vector&lt;Single, 1, C&gt;</c>, slot names = class names) and <c>CnnMl.PredictedIndex</c> (arg-max, int64).</item>
/// <item><c>ValueToKeyMappingTransformer</c>: index i → key i + 1 (key data 0…C−1, by occurrence).</item>
/// <item><c>KeyToVectorMappingTransformer</c>: the key → a one-hot <c>Vector&lt;Single, C&gt;</c>.</item>
/// <item><c>MulticlassPredictionTransformer&lt;NaiveBayesMulticlassModelParameters&gt;</c>, fitted on the C one-hot
/// vectors labeled with the training label's key type and key values: it turns the one-hot vector into a scalar
/// <c>PredictedLabel</c> key. ONNX outputs always reach ML.NET as vectors (a rank-0 ONNX output fails in
/// OnnxTransformer 5.0.1's getter), and ML.NET's only public transforms that produce a scalar key from a vector are
/// its predictors; naive Bayes on one-hot inputs is exact (score margin 2·ln 2 for the hot class) and carries the
/// label's key values the way ML.NET's own trainers do.</item>
/// <item><c>ExpressionTransformer</c> <c>x : x</c>: <c>CnnMl.Probabilities</c> → <c>Score</c> as a flat
/// <c>Vector&lt;Single, C&gt;</c> (slot names kept), shadowing naive Bayes' own score column.</item>
/// <item><c>ColumnSelectingTransformer</c> dropping the temporary columns.</item>
/// </list>
/// </remarks>
internal static class MlNetScoringChain
{
    /// <summary>ONNX output / column: softmax probabilities.</summary>
    public const string ProbabilitiesColumn = "CnnMl.Probabilities";

    /// <summary>ONNX output / column: arg-max class index.</summary>
    public const string IndexColumn = "CnnMl.PredictedIndex";

    /// <summary>Column: the arg-max index as a key.</summary>
    public const string IndexKeyColumn = "CnnMl.PredictedIndexKey";

    /// <summary>Column: the arg-max index as a one-hot vector.</summary>
    public const string OneHotColumn = "CnnMl.PredictedOneHot";

    /// <summary>The graph's penultimate features (shaped [1, F] by OnnxTransformer), before the flat features column is restored.</summary>
    public const string FeaturesOutputColumn = "CnnMl.Features";

    // The names ML.NET's multiclass predictors give their outputs.
    private const string PredictorScore = "Score";
    private const string PredictorPredictedLabel = "PredictedLabel";
    private const string TrainingLabel = "Label";

    // ML.NET reads a column's slot names from a graph node of this name holding a keys_strings attribute (see
    // ML.NET's own ONNX export, SaveOnnxCommand.AddSlotNames); outputs named mlnet.*.unusedOutput are ignored.
    private const string OnnxMlDomain = "ai.onnx.ml";
    private const int OnnxMlOpset = 2;

    /// <summary>A save-time check: the chain and the transformer must agree on a probe image within this (probability units).</summary>
    private const float ProbeTolerance = 1e-4f;

    /// <summary>
    /// Builds the chain for <paramref name="transformer"/>, checks it, and hands <paramref name="context"/> to it; says
    /// what it saved on <paramref name="host"/>'s "Save" channel.
    /// Everything that can fail (export, chain construction, the probe comparison) happens before anything is
    /// written to <paramref name="context"/>.
    /// </summary>
    public static void Save(CnnTransformer transformer, ModelSaveContext context, IHost? host)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var channel = host?.Start("Save");
        var onnxPath = Path.Combine(Path.GetTempPath(), $"cnnml-{Guid.NewGuid():N}.onnx");
        TransformerChain<ITransformer>? chain = null;
        try
        {
            chain = Build(transformer, onnxPath, out var description);
            channel?.Info(MessageSensitivity.None, $"Saving '{transformer.Definition.Architecture}' as ML.NET transformers: {description}.");
            ((ICanSaveModel)chain).Save(context);
        }
        finally
        {
            // OnnxTransformer keeps the graph file open until it is disposed; the chain saved the graph's bytes.
            chain?.Dispose();
            TryDelete(onnxPath);
        }
    }

    /// <summary>The fitted chain equivalent to <paramref name="transformer"/>; the graph is written to <paramref name="onnxPath"/>.</summary>
    internal static TransformerChain<ITransformer> Build(CnnTransformer transformer, string onnxPath, out string description)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        var definition = transformer.Definition;
        var featureSize = checked((int)definition.ImageShape.ElementCount);
        var classes = definition.ClassCount;

        // ML.NET's estimators are reachable only through MLContext's catalogs, and an MLContext cannot be built around
        // the transformer's IHostEnvironment (MLContext wraps a LocalEnvironment of its own). A private context is
        // unavoidable here; nothing of it is saved (the loader's MLContext hosts the loaded chain), it only builds the
        // chain: naive Bayes is deterministic and the ONNX graph lives in our own temporary file.
        var ml = new MLContext(seed: 0);
        var empty = FeatureRows(ml, definition.FeatureColumnName, featureSize, []);
        var target = transformer.GetOutputSchema(empty.Schema);
        var (scoreColumn, predictedColumn) = OutputColumnsOf(target, empty.Schema.Count);
        CheckNames(definition.FeatureColumnName, scoreColumn.Name, predictedColumn.Name, definition.FeaturesColumnName);

        var slotNames = TextSlotNames(scoreColumn, classes);
        File.WriteAllBytes(onnxPath, ExportGraph(transformer, slotNames));

        var indexKeys = ml.Data.LoadFromEnumerable(Enumerable.Range(0, classes).Select(i => new IndexRow { Index = i }),
            Renamed<IndexRow>(nameof(IndexRow.Index), IndexColumn));
        // The penultimate features (FeaturesColumnName) come out of the same graph under their column's name.
        string[] onnxOutputs = definition.FeaturesColumnName is not null ? [ProbabilitiesColumn, IndexColumn, FeaturesOutputColumn] : [ProbabilitiesColumn, IndexColumn];
        var front = ml.Transforms.ApplyOnnxModel(onnxOutputs, [definition.FeatureColumnName], onnxPath)
            .Append(ml.Transforms.Conversion.MapValueToKey(IndexKeyColumn, IndexColumn,
                keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence, keyData: indexKeys))
            .Append(ml.Transforms.Conversion.MapKeyToVector(OneHotColumn, IndexKeyColumn, outputCountVector: true))
            .Fit(empty);
        TransformerChain<ITransformer> chain;
        try
        {
            var predictor = ml.MulticlassClassification.Trainers.NaiveBayes(TrainingLabel, OneHotColumn)
                .Fit(OneHotTrainingRows(ml, classes, predictedColumn));

            var drop = new List<string> { ProbabilitiesColumn, IndexColumn, IndexKeyColumn, OneHotColumn };
            IEstimator<ITransformer> tail = ml.Transforms.Expression(scoreColumn.Name, "x : x", ProbabilitiesColumn);
            if (definition.FeaturesColumnName is { } featuresColumn)
            {
                // OnnxTransformer shapes the [N, F] output as Vector<Single, 1, F>; the column is a flat Vector<Single, F>.
                tail = tail.Append(ml.Transforms.Expression(featuresColumn, "x : x", FeaturesOutputColumn));
                drop.Add(FeaturesOutputColumn);
            }
            if (scoreColumn.Name != PredictorScore) drop.Add(PredictorScore);
            if (predictedColumn.Name != PredictorPredictedLabel)
            {
                tail = tail.Append(ml.Transforms.CopyColumns(predictedColumn.Name, PredictorPredictedLabel));
                drop.Add(PredictorPredictedLabel);
            }
            tail = tail.Append(ml.Transforms.DropColumns([.. drop]));
            var fittedTail = tail.Fit(predictor.Transform(front.Transform(empty)));
            chain = new TransformerChain<ITransformer>([.. front, predictor, .. (IEnumerable<ITransformer>)fittedTail]);
        }
        catch
        {
            front.Dispose(); // its OnnxTransformer holds the graph file open
            throw;
        }

        try
        {
            CheckSchema(chain.GetOutputSchema(empty.Schema), scoreColumn, predictedColumn, classes);
            ProbeAgainst(transformer, chain, ml, definition.FeatureColumnName, featureSize, scoreColumn.Name);
        }
        catch
        {
            chain.Dispose();
            throw;
        }
        description = string.Join(" > ", chain.Select(t => t.GetType().Name));
        return chain;
    }

    /// <summary>The ONNX graph: the exporter's network with probabilities, arg-max index and, if known, Score's slot names.</summary>
    private static byte[] ExportGraph(CnnTransformer transformer, IReadOnlyList<string>? slotNames)
    {
        var model = OnnxModelExporter.Build(transformer.Module, transformer.Definition.ImageShape, new OnnxExportOptions
        {
            InputName = transformer.Definition.FeatureColumnName,
            ScoreOutputName = ProbabilitiesColumn,
            PredictedIndexOutputName = IndexColumn,
            FeaturesOutputName = transformer.Definition.FeaturesColumnName is null ? null : FeaturesOutputColumn,
            FeaturesLayer = transformer.Definition.FeaturesColumnName is null ? null : transformer.FeaturesLayer,
        });
        if (slotNames is not null) AddSlotNames(model, ProbabilitiesColumn, slotNames);
        return model.ToByteArray();
    }

    // The node ML.NET's OnnxTransformer reads slot names from: a LabelEncoder named mlnet.<column>.SlotNames whose
    // keys_strings are the names, fed by a constant and feeding an output that ML.NET skips.
    private static void AddSlotNames(ModelProto model, string column, IReadOnlyList<string> names)
    {
        var nodeName = $"mlnet.{column}.SlotNames";
        var constant = new TensorProto { Name = $"{nodeName}.one", DataType = (int)TensorProto.Types.DataType.String };
        constant.Dims.Add([1, 1]);
        constant.StringData.Add(ByteString.CopyFromUtf8("one"));
        var node = new NodeProto { Name = nodeName, OpType = "LabelEncoder", Domain = OnnxMlDomain };
        node.Input.Add(constant.Name);
        node.Output.Add($"mlnet.{column}.unusedOutput");
        var keys = new AttributeProto { Name = "keys_strings", Type = AttributeProto.Types.AttributeType.Strings };
        keys.Strings.Add(names.Select(ByteString.CopyFromUtf8));
        var values = new AttributeProto { Name = "values_int64s", Type = AttributeProto.Types.AttributeType.Ints };
        values.Ints.Add(Enumerable.Range(0, names.Count).Select(i => (long)i));
        node.Attribute.Add([keys, values]);

        var output = new ValueInfoProto
        {
            Name = node.Output[0],
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Int64, Shape = new TensorShapeProto() } },
        };
        output.Type.TensorType.Shape.Dim.Add([new TensorShapeProto.Types.Dimension { DimValue = 1 }, new TensorShapeProto.Types.Dimension { DimValue = 1 }]);
        model.Graph.Initializer.Add(constant);
        model.Graph.Node.Add(node);
        model.Graph.Output.Add(output);
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxMlDomain, Version = OnnxMlOpset });
    }

    /// <summary>Score and PredictedLabel of the transformer's output schema: the columns it appends, told apart by ScoreValueKind.</summary>
    private static (DataViewSchema.Column Score, DataViewSchema.Column Predicted) OutputColumnsOf(DataViewSchema output, int inputCount)
    {
        DataViewSchema.Column? score = null, predicted = null;
        foreach (var column in output.Skip(inputCount))
        {
            switch (ScoreValueKind(column))
            {
                case "Score": score = column; break;
                case "PredictedLabel": predicted = column; break;
            }
        }
        if (score is null || predicted is null)
            throw new InvalidOperationException("CnnTransformer's output schema lacks a column marked as Score or PredictedLabel (ScoreValueKind).");
        return (score.Value, predicted.Value);
    }

    private static string? ScoreValueKind(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull("ScoreValueKind") is not { Type: TextDataViewType }) return null;
        var value = default(ReadOnlyMemory<char>);
        column.Annotations.GetValue("ScoreValueKind", ref value);
        return value.ToString();
    }

    private static void CheckNames(string feature, string score, string predicted, string? features)
    {
        if (ColumnNameProblem(feature, score, predicted, features) is { } problem) throw new InvalidOperationException(problem);
    }

    /// <summary>
    /// Why a model with these column names could not be saved as the chain, or null when it can. The trainer refuses such
    /// names when <c>Fit</c> starts, so that a long run does not end in a model that cannot be saved.
    /// </summary>
    internal static string? ColumnNameProblem(string feature, string score, string predicted, string? features)
    {
        string[] temporary = [ProbabilitiesColumn, IndexColumn, IndexKeyColumn, OneHotColumn, FeaturesOutputColumn];
        foreach (var name in new[] { feature, score, predicted, features }.OfType<string>())
        {
            if (temporary.Contains(name))
                return $"Column name '{name}' is reserved for the saved chain's temporary columns ({string.Join(", ", temporary)}); rename the column.";
        }
        // The chain's predictor writes its own Score and PredictedLabel columns before they are renamed or dropped.
        if (features is PredictorScore or PredictorPredictedLabel)
            return $"A features column named '{features}' would be replaced by the saved chain's predictor, which writes '{PredictorScore}' and '{PredictorPredictedLabel}'; name the features column otherwise.";
        if (score == predicted || feature == score || feature == predicted)
            return $"The image (feature), score and predicted-label columns must have distinct names: an output named like the image column hides it, " +
                   $"and the saved model's ONNX graph reads the image column by name (got feature '{feature}', score '{score}', predicted label '{predicted}'). Rename the output column.";
        return null;
    }

    private static string[]? TextSlotNames(DataViewSchema.Column score, int classes)
    {
        if (score.Annotations.Schema.GetColumnOrNull("SlotNames") is not { Type: VectorDataViewType { ItemType: TextDataViewType } type } || type.Size != classes)
            return null;
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        score.Annotations.GetValue("SlotNames", ref names);
        var result = names.DenseValues().Select(n => n.ToString()).ToArray();
        // ONNX's LabelEncoder needs distinct keys; without them Score simply has no slot names.
        return result.Distinct(StringComparer.Ordinal).Count() == result.Length ? result : null;
    }

    /// <summary>One row per class: the one-hot vector of class i, labeled raw key i + 1 with the predicted label's key type and key values.</summary>
    private static IDataView OneHotTrainingRows(MLContext ml, int classes, DataViewSchema.Column predicted)
    {
        var definition = SchemaDefinition.Create(typeof(OneHotRow));
        var oneHot = definition[nameof(OneHotRow.OneHot)];
        var label = definition[nameof(OneHotRow.Label)];
        oneHot.ColumnName = OneHotColumn;
        oneHot.ColumnType = new VectorDataViewType(NumberDataViewType.Single, classes);
        label.ColumnName = TrainingLabel;
        label.ColumnType = new KeyDataViewType(typeof(uint), classes);
        if (predicted.Annotations.Schema.GetColumnOrNull("KeyValues") is { Type: VectorDataViewType keyValuesType })
        {
            typeof(MlNetScoringChain).GetMethod(nameof(CopyKeyValues), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(keyValuesType.ItemType.RawType)
                .Invoke(null, [predicted.Annotations, label, keyValuesType]);
        }
        var rows = Enumerable.Range(0, classes).Select(i =>
        {
            var oneHot = new float[classes];
            oneHot[i] = 1f;
            // LoadFromEnumerable takes key-typed members 0-based (it stores i + 1, the raw key of class i).
            return new OneHotRow { OneHot = oneHot, Label = (uint)i };
        }).ToList();
        return ml.Data.LoadFromEnumerable(rows, definition);
    }

    private static void CopyKeyValues<T>(DataViewSchema.Annotations source, SchemaDefinition.Column target, VectorDataViewType type)
    {
        var values = default(VBuffer<T>);
        source.GetValue("KeyValues", ref values);
        target.AddAnnotation("KeyValues", values, type);
    }

    private static void CheckSchema(DataViewSchema output, DataViewSchema.Column score, DataViewSchema.Column predicted, int classes)
    {
        var savedScore = output.GetColumnOrNull(score.Name);
        if (savedScore?.Type is not VectorDataViewType { Size: var size } vector || size != classes || vector.ItemType != NumberDataViewType.Single)
            throw new InvalidOperationException($"The saved chain's '{score.Name}' is {savedScore?.Type}; expected {score.Type}.");
        var savedPredicted = output.GetColumnOrNull(predicted.Name);
        if (savedPredicted is not { Type: KeyDataViewType key } || key.Count != (ulong)classes)
            throw new InvalidOperationException($"The saved chain's '{predicted.Name}' is {savedPredicted?.Type}; expected {predicted.Type}.");
    }

    // One deterministic image through both: a wrong export fails the save instead of producing a model that scores wrongly.
    private static void ProbeAgainst(CnnTransformer transformer, ITransformer chain, MLContext ml, string feature, int featureSize, string score)
    {
        var probe = new float[featureSize];
        for (var i = 0; i < probe.Length; i++) probe[i] = 0.5f + 0.5f * MathF.Sin(0.37f * i);
        var rows = FeatureRows(ml, feature, featureSize, [probe]);
        var expected = ReadScore(transformer.Transform(rows), score);
        var actual = ReadScore(chain.Transform(rows), score);
        var worst = expected.Zip(actual, (e, a) => MathF.Abs(e - a)).DefaultIfEmpty(float.PositiveInfinity).Max();
        if (expected.Length != actual.Length || !(worst <= ProbeTolerance))
            throw new InvalidOperationException(
                $"The ONNX form of '{transformer.Definition.Architecture}' scores a probe image differently from TorchSharp " +
                $"(largest probability difference {worst:G3}, tolerance {ProbeTolerance:G3}); the model was not saved. Please report this.");
    }

    private static float[] ReadScore(IDataView scored, string score)
    {
        var column = scored.Schema[score];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var value = default(VBuffer<float>);
        if (!cursor.MoveNext()) return [];
        getter(ref value);
        return value.DenseValues().ToArray();
    }

    private static IDataView FeatureRows(MLContext ml, string name, int size, IEnumerable<float[]> images)
    {
        var definition = Renamed<FeatureRow>(nameof(FeatureRow.Features), name);
        definition.Single().ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return ml.Data.LoadFromEnumerable(images.Select(i => new FeatureRow { Features = i }).ToList(), definition);
    }

    private static SchemaDefinition Renamed<T>(string member, string columnName)
    {
        var definition = SchemaDefinition.Create(typeof(T));
        definition[member].ColumnName = columnName;
        return definition;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover temporary graph is harmless; the save's own outcome is what matters.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }

    private sealed class IndexRow
    {
        public long Index { get; set; }
    }

    private sealed class OneHotRow
    {
        public float[] OneHot { get; set; } = [];

        public uint Label { get; set; }
    }
}
