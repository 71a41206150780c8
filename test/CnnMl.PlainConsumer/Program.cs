using System.Reflection;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace PlainMlNetConsumer;

/// <summary>
/// Loads ML.NET model zips with fresh <see cref="MLContext"/>s and scores binary IDataView files (written with
/// <c>mlContext.Data.SaveAsBinary</c>), one job after another in this one process: each job evaluates its rows as
/// multiclass classification and writes the metrics, every row's Score vector and PredictedLabel and the loaded
/// transformers to JSON; a job that names a <c>Column</c> writes that float vector column of every row instead (a
/// stage of an image chain, compared pixel by pixel); a job that names a <c>Bytes</c> column decodes each row's encoded
/// image in memory and scores it through a PredictionEngine (a model that reads image bytes). Every result also names the
/// ML.NET version that ran and the assemblies loaded.
/// Exit codes: 0 done, 1 bad arguments, 2 an assembly whose name starts with "CnnMl" was loaded, 3 failure.
/// </summary>
internal static class Program
{
    private const string ForbiddenAssemblyPrefix = "CnnMl";

    private static int Main(string[] args)
    {
        if (args.Length != 1 || !File.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: PlainMlNetConsumer JOBS.json   (a JSON array of {\"Model\", \"Data\", \"Out\"[, \"Label\", \"Score\", \"Predicted\", \"Column\", \"Bytes\"]})");
            return 1;
        }
        try
        {
            List<ConsumerJob> jobs;
            using (var file = File.OpenRead(args[0])) jobs = JsonSerializer.Deserialize<List<ConsumerJob>>(file) ?? [];
            if (jobs.Count == 0 || jobs.Any(j => j.Model.Length == 0 || j.Data.Length == 0 || j.Out.Length == 0))
            {
                Console.Error.WriteLine($"{args[0]}: every job needs Model, Data and Out.");
                return 1;
            }
            var version = typeof(MLContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "";
            var forbidden = new List<string>();
            foreach (var job in jobs)
            {
                var result = job.Bytes is not null ? ScoreBytes(job) : job.Column is null ? Score(job) : Column(job);
                result.MlNetVersion = version;
                result.Assemblies = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "").Order(StringComparer.Ordinal).ToList();
                using (var file = File.Create(job.Out)) JsonSerializer.Serialize(file, result);
                forbidden.AddRange(result.Assemblies.Where(a => a.StartsWith(ForbiddenAssemblyPrefix, StringComparison.OrdinalIgnoreCase)));
                Console.WriteLine(job.Bytes is not null
                    ? $"{Path.GetFileName(job.Model)}: {result.Rows} encoded images scored one by one through a PredictionEngine"
                    : job.Column is null
                    ? $"{Path.GetFileName(job.Model)}: {result.Rows} rows scored; micro-accuracy {result.MicroAccuracy:P2}, log-loss {result.LogLoss:F4}; {result.Transformers.Count} transformers"
                    : $"{Path.GetFileName(job.Model)}: {result.Rows} rows of {job.Column}");
            }
            if (forbidden.Count > 0)
            {
                Console.Error.WriteLine($"CnnMl assemblies were loaded: {string.Join(", ", forbidden.Distinct())}");
                return 2;
            }
            Console.WriteLine($"ML.NET {version}: {jobs.Count} job(s) done, no CnnMl assembly loaded.");
            return 0;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(e);
            return 3;
        }
    }

    private static ConsumerResult Score(ConsumerJob job)
    {
        var ml = new MLContext(seed: 0);
        var model = ml.Model.Load(job.Model, out var inputSchema);
        try
        {
            var scored = model.Transform(ml.Data.LoadFromBinary(job.Data));
            var scoreColumn = scored.Schema[job.Score];
            var predictedColumn = scored.Schema[job.Predicted];
            var scores = new List<float[]>();
            var predicted = new List<string>();
            var predictedKeys = new List<uint>();
            var keyValues = KeyValues(predictedColumn);
            using (var cursor = scored.GetRowCursor([scoreColumn, predictedColumn]))
            {
                var scoreGetter = cursor.GetGetter<VBuffer<float>>(scoreColumn);
                var predictedGetter = PredictedLabelGetter(cursor, predictedColumn, keyValues, predictedKeys);
                var buffer = default(VBuffer<float>);
                while (cursor.MoveNext())
                {
                    scoreGetter(ref buffer);
                    scores.Add(buffer.DenseValues().ToArray());
                    predicted.Add(predictedGetter());
                }
            }

            var metrics = ml.MulticlassClassification.Evaluate(scored, job.Label, job.Score, job.Predicted);
            var transformers = new List<string>();
            Describe(model, "", transformers);
            return new ConsumerResult
            {
                Rows = scores.Count,
                MicroAccuracy = metrics.MicroAccuracy,
                MacroAccuracy = metrics.MacroAccuracy,
                LogLoss = metrics.LogLoss,
                LogLossReduction = metrics.LogLossReduction,
                InputSchema = inputSchema?.Select(c => $"{c.Name}: {c.Type}").ToList() ?? [],
                ScoreType = scoreColumn.Type.ToString() ?? "",
                PredictedLabelType = predictedColumn.Type.ToString() ?? "",
                PredictedLabelKeyValues = keyValues,
                Scores = scores,
                PredictedLabels = predicted,
                PredictedKeys = predictedKeys,
                Transformers = transformers,
            };
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    // Encoded images (the Bytes column of the data: each row a PNG, JPEG, ... file's bytes) decoded in memory with
    // MLImage.CreateFromStream, as LoadImages decodes a file, and scored one by one through a PredictionEngine whose
    // input is the model's image column of the same name: what a web app does with an upload. No temporary file.
    private static ConsumerResult ScoreBytes(ConsumerJob job)
    {
        var ml = new MLContext(seed: 0);
        var model = ml.Model.Load(job.Model, out var inputSchema);
        try
        {
            var encoded = ml.Data.LoadFromBinary(job.Data);
            var definition = SchemaDefinition.Create(typeof(ImageRow));
            definition[nameof(ImageRow.Image)].ColumnName = job.Bytes!;
            var engine = ml.Model.CreatePredictionEngine<ImageRow, KeyPrediction>(model, inputSchemaDefinition: definition);
            var scores = new List<float[]>();
            var keys = new List<uint>();
            using (var cursor = encoded.GetRowCursor([encoded.Schema[job.Bytes!]]))
            {
                var getter = cursor.GetGetter<VBuffer<byte>>(encoded.Schema[job.Bytes!]);
                var bytes = default(VBuffer<byte>);
                while (cursor.MoveNext())
                {
                    getter(ref bytes);
                    using var image = MLImage.CreateFromStream(new MemoryStream(bytes.DenseValues().ToArray(), writable: false));
                    var prediction = engine.Predict(new ImageRow { Image = image });
                    scores.Add(prediction.Score);
                    keys.Add(prediction.PredictedLabel);
                }
            }
            var transformers = new List<string>();
            Describe(model, "", transformers);
            return new ConsumerResult
            {
                Rows = scores.Count,
                InputSchema = inputSchema?.Select(c => $"{c.Name}: {c.Type}").ToList() ?? [],
                Scores = scores,
                PredictedKeys = keys,
                Transformers = transformers,
            };
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    // One float vector column of every row, in Scores (an image chain's pixels at one stage).
    private static ConsumerResult Column(ConsumerJob job)
    {
        var ml = new MLContext(seed: 0);
        var model = ml.Model.Load(job.Model, out _);
        try
        {
            var transformed = model.Transform(ml.Data.LoadFromBinary(job.Data));
            var column = transformed.Schema[job.Column!];
            var rows = new List<float[]>();
            using (var cursor = transformed.GetRowCursor([column]))
            {
                var getter = cursor.GetGetter<VBuffer<float>>(column);
                var buffer = default(VBuffer<float>);
                while (cursor.MoveNext())
                {
                    getter(ref buffer);
                    rows.Add(buffer.DenseValues().ToArray());
                }
            }
            var transformers = new List<string>();
            Describe(model, "", transformers);
            return new ConsumerResult { Rows = rows.Count, ScoreType = column.Type.ToString() ?? "", Scores = rows, Transformers = transformers };
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    // PredictedLabel as its text: a key through its KeyValues annotation (raw keys collected too), or text as is.
    private static Func<string> PredictedLabelGetter(DataViewRowCursor cursor, DataViewSchema.Column column, List<string>? keyValues, List<uint> keys)
    {
        if (column.Type is KeyDataViewType)
        {
            var getter = cursor.GetGetter<uint>(column);
            return () =>
            {
                uint key = 0;
                getter(ref key);
                keys.Add(key);
                return key == 0 ? "" : keyValues is null ? key.ToString(System.Globalization.CultureInfo.InvariantCulture) : keyValues[(int)key - 1];
            };
        }
        var text = cursor.GetGetter<ReadOnlyMemory<char>>(column);
        return () =>
        {
            var value = default(ReadOnlyMemory<char>);
            text(ref value);
            return value.ToString();
        };
    }

    private static List<string>? KeyValues(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull("KeyValues") is not { Type: VectorDataViewType { ItemType: TextDataViewType } }) return null;
        var values = default(VBuffer<ReadOnlyMemory<char>>);
        column.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v.ToString()).ToList();
    }

    private static void Describe(ITransformer transformer, string indent, List<string> lines)
    {
        lines.Add(indent + TypeName(transformer.GetType()));
        if (transformer is IEnumerable<ITransformer> chain)
            foreach (var inner in chain) Describe(inner, indent + "  ", lines);
    }

    private static string TypeName(Type type) => type.IsGenericType
        ? $"{type.FullName![..type.FullName!.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>"
        : type.FullName ?? type.Name;
}

/// <summary>A decoded image, the input of a model that reads an image's encoded bytes (ImageType needs a size; images of any size are accepted).</summary>
internal sealed class ImageRow
{
    [Microsoft.ML.Transforms.Image.ImageType(1, 1)]
    public MLImage? Image { get; set; }
}

/// <summary>What a PredictionEngine gives for one image: the Score vector and the PredictedLabel key.</summary>
internal sealed class KeyPrediction
{
    public float[] Score { get; set; } = [];

    public uint PredictedLabel { get; set; }
}

/// <summary>One model zip and the rows it scores (the jobs file is an array of these).</summary>
internal sealed class ConsumerJob
{
    public string Model { get; init; } = "";
    public string Data { get; init; } = "";
    public string Out { get; init; } = "";
    public string Label { get; init; } = "Label";
    public string Score { get; init; } = "Score";
    public string Predicted { get; init; } = "PredictedLabel";

    /// <summary>When set: write this float vector column of every row (in <see cref="ConsumerResult.Scores"/>) instead of scoring.</summary>
    public string? Column { get; init; }

    /// <summary>When set: this byte vector column of the data holds encoded images, scored one by one through a PredictionEngine (Score and PredictedKeys).</summary>
    public string? Bytes { get; init; }
}

/// <summary>What the consumer writes per job: metrics, per-row outputs, the loaded pipeline, ML.NET's version and the loaded assemblies.</summary>
internal sealed class ConsumerResult
{
    public string MlNetVersion { get; set; } = "";
    public int Rows { get; init; }
    public double MicroAccuracy { get; init; }
    public double MacroAccuracy { get; init; }
    public double LogLoss { get; init; }
    public double LogLossReduction { get; init; }
    public List<string> InputSchema { get; init; } = [];
    public string ScoreType { get; init; } = "";
    public string PredictedLabelType { get; init; } = "";
    public List<string>? PredictedLabelKeyValues { get; init; }
    public List<float[]> Scores { get; init; } = [];
    public List<string> PredictedLabels { get; init; } = [];
    public List<uint> PredictedKeys { get; init; } = [];
    public List<string> Transformers { get; init; } = [];
    public List<string> Assemblies { get; set; } = [];
}
