using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace PlainMlNetConsumer;

/// <summary>
/// Loads an ML.NET model zip with a fresh <see cref="MLContext"/>, scores a binary IDataView file (written with
/// <c>mlContext.Data.SaveAsBinary</c>), evaluates it as multiclass classification and writes everything to JSON:
/// the metrics, every row's Score vector and PredictedLabel, the loaded transformers and the loaded assemblies.
/// Exit codes: 0 done, 1 bad arguments, 2 an assembly whose name starts with "CnnMl" was loaded, 3 failure.
/// </summary>
internal static class Program
{
    private const string ForbiddenAssemblyPrefix = "CnnMl";

    private static int Main(string[] args)
    {
        var options = ParseArguments(args);
        if (options is null)
        {
            Console.Error.WriteLine("usage: PlainMlNetConsumer --model MODEL.zip --data ROWS.idv --out RESULT.json " +
                                    "[--label Label] [--score Score] [--predicted PredictedLabel]");
            return 1;
        }
        try
        {
            var result = Score(options);
            using (var file = File.Create(options["out"]))
                JsonSerializer.Serialize(file, result, new JsonSerializerOptions { WriteIndented = false });
            var forbidden = result.Assemblies.Where(a => a.StartsWith(ForbiddenAssemblyPrefix, StringComparison.OrdinalIgnoreCase)).ToList();
            if (forbidden.Count > 0)
            {
                Console.Error.WriteLine($"CnnMl assemblies were loaded: {string.Join(", ", forbidden)}");
                return 2;
            }
            Console.WriteLine($"{result.Rows} rows scored; micro-accuracy {result.MicroAccuracy:P2}, log-loss {result.LogLoss:F4}; " +
                              $"{result.Transformers.Count} transformers, {result.Assemblies.Count} assemblies loaded, none from CnnMl.");
            return 0;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(e);
            return 3;
        }
    }

    private static ConsumerResult Score(IReadOnlyDictionary<string, string> options)
    {
        var label = options.GetValueOrDefault("label", "Label");
        var scoreName = options.GetValueOrDefault("score", "Score");
        var predictedName = options.GetValueOrDefault("predicted", "PredictedLabel");

        var ml = new MLContext(seed: 0);
        var model = ml.Model.Load(options["model"], out var inputSchema);
        var data = ml.Data.LoadFromBinary(options["data"]);
        var scored = model.Transform(data);

        var scoreColumn = scored.Schema[scoreName];
        var predictedColumn = scored.Schema[predictedName];
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

        var metrics = ml.MulticlassClassification.Evaluate(scored, label, scoreName, predictedName);
        var transformers = new List<string>();
        Describe(model, "", transformers);
        (model as IDisposable)?.Dispose();

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
            Assemblies = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? "").Order(StringComparer.Ordinal).ToList(),
        };
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

    private static Dictionary<string, string>? ParseArguments(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) return null;
            options[args[i][2..]] = args[i + 1];
        }
        if (args.Length % 2 != 0) return null;
        return options.ContainsKey("model") && options.ContainsKey("data") && options.ContainsKey("out") ? options : null;
    }
}

/// <summary>What the consumer writes: metrics, per-row outputs, the loaded pipeline and the loaded assemblies.</summary>
internal sealed class ConsumerResult
{
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
    public List<string> Assemblies { get; init; } = [];
}
