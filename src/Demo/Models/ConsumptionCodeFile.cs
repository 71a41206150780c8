using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace CnnMl.Demo.Models;

/// <summary>
/// The consumption code <c>cnnml train --out model.zip</c> writes beside the zip, as Model Builder does
/// (<c>model.consume.cs</c>): an input class, an output class, the zip loaded once with <c>mlContext.Model.Load</c> and
/// a pool of prediction engines, so that <c>Predict</c> is safe to call from many threads at once (a web app; a
/// <c>PredictionEngine</c> is not thread-safe). Its header names every NuGet package the zip needs, at the versions
/// this build of cnnml uses (<see cref="Packages"/>); CnnMl is not one of them. An image model's input is the image
/// file's bytes (Model Builder's <c>byte[] ImageSource</c>), decoded with <c>MLImage.CreateFromStream</c>.
/// </summary>
internal sealed record ConsumptionCodeFile
{
    /// <summary>The namespace of the generated class.</summary>
    public const string Namespace = "CnnMlModels";

    /// <summary>The model zip's file name, as the generated code loads it from the application's folder.</summary>
    public required string ModelFileName { get; init; }

    /// <summary>The input columns the model reads (the training data's columns less the label).</summary>
    public required IReadOnlyList<InputColumn> Inputs { get; init; }

    /// <summary>Class names in <c>Score</c>'s slot order.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>One line saying where the model came from (architecture, data).</summary>
    public required string Provenance { get; init; }

    /// <summary>The NuGet packages (id, version) the zip needs in a consumer, in the order the header lists them.</summary>
    public required IReadOnlyList<(string Id, string Version)> Packages { get; init; }

    /// <summary>The generated class: the zip's file name in PascalCase (<c>model.zip</c> → <c>Model</c>).</summary>
    public string ClassName => ClassNameFor(ModelFileName);

    /// <summary>Where the code for the zip at <paramref name="modelPath"/> goes: beside it, <c>NAME.consume.cs</c>.</summary>
    public static string PathFor(string modelPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, Path.GetFileNameWithoutExtension(modelPath) + ".consume.cs");

    /// <summary>
    /// The packages a consumer of the zip needs, at the versions loaded here: Microsoft.ML; Microsoft.ML.ImageAnalytics
    /// when the zip has image transforms (<paramref name="readsImages"/>: an image-input chain, or a decoded image
    /// input); Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime, which score the network.
    /// </summary>
    public static IReadOnlyList<(string Id, string Version)> PackagesFor(bool readsImages)
    {
        var packages = new List<(string, string)> { ("Microsoft.ML", VersionOf(typeof(MLContext).Assembly)) };
        if (readsImages) packages.Add(("Microsoft.ML.ImageAnalytics", VersionOf(typeof(MLImage).Assembly)));
        packages.Add(("Microsoft.ML.OnnxTransformer", VersionOf(typeof(Microsoft.ML.Transforms.Onnx.OnnxTransformer).Assembly)));
        packages.Add(("Microsoft.ML.OnnxRuntime", VersionOf(typeof(Microsoft.ML.OnnxRuntime.OrtEnv).Assembly)));
        return packages;
    }

    /// <summary>
    /// The input columns of <paramref name="schema"/> (the schema the saved model reads) other than
    /// <paramref name="labelColumn"/>, as C# members. <paramref name="imageDescription"/> describes a decoded-image
    /// column (what the model does with the image); <paramref name="featureDescription"/> a float vector.
    /// </summary>
    public static IReadOnlyList<InputColumn> InputsOf(DataViewSchema schema, string labelColumn, string? featureDescription, string? imageDescription = null) =>
        schema.Where(c => !c.IsHidden && c.Name != labelColumn)
            .Select(c => c.Type switch
            {
                VectorDataViewType { ItemType: var item, Size: > 0 and var size } when item == NumberDataViewType.Single =>
                    new InputColumn(c.Name, InputKind.FloatVector, size, featureDescription ?? $"{size} floats, as the training data's '{c.Name}' column."),
                ImageDataViewType => new InputColumn(c.Name, InputKind.EncodedImage, null,
                    "The image file's bytes (PNG, JPEG, BMP or GIF), as read from a file or received in an upload; they are decoded with " +
                    "MLImage.CreateFromStream, as ML.NET's LoadImages decodes a file" + (imageDescription is null ? "." : $"; {imageDescription}")),
                TextDataViewType => new InputColumn(c.Name, InputKind.Text, null,
                    c.Name.Contains("Path", StringComparison.OrdinalIgnoreCase)
                        ? "The image file's path; the model reads the file itself (ML.NET's LoadImages)."
                        : $"Text, as the training data's '{c.Name}' column."),
                _ => throw new NotSupportedException(
                    $"Column '{c.Name}' of type {c.Type} has no generated C# member; the consumption code supports fixed-size float vectors, images and text."),
            })
            .ToList();

    private bool ReadsImageBytes => Inputs.Any(i => i.Kind == InputKind.EncodedImage);

    /// <summary>The C# source.</summary>
    public string Generate()
    {
        var code = new StringBuilder();
        var example = ReadsImageBytes
            ? $"{ClassName}.Predict(new {ClassName}.ModelInput {{ {Identifier(Inputs[0].Name)} = File.ReadAllBytes(\"photo.jpg\") }})"
            : $"{ClassName}.Predict(new {ClassName}.ModelInput {{ {Identifier(Inputs[0].Name)} = ... }})";
        code.Append(CultureInfo.InvariantCulture, $$"""
            // <auto-generated>
            // Written by `cnnml train --out` for {{ModelFileName}}: {{Provenance}}.
            // </auto-generated>
            // Consumes {{ModelFileName}} with ML.NET alone; CnnMl is not needed. The NuGet packages the zip needs:
            {{string.Concat(Packages.Select(p => $"//     dotnet add package {p.Id} --version {p.Version}\n"))}}// and copy {{ModelFileName}} to the output folder. Predict is safe to call from many threads at once (a web
            // app): each call takes a PredictionEngine from a pool (an engine is not thread-safe) and gives it back.
            //
            //     var output = {{example}};
            //     Console.WriteLine(output.PredictedLabel);
            #nullable enable
            using System;
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.IO;
            using System.Linq;
            using Microsoft.ML;
            using Microsoft.ML.Data;
            {{(ReadsImageBytes ? "using Microsoft.ML.Transforms.Image;\n" : "")}}
            namespace {{Namespace}};

            public partial class {{ClassName}}
            {
                /// <summary>What the model reads: the training data's columns, less the label.</summary>
                public class ModelInput
                {

            """);
        foreach (var input in Inputs)
        {
            var (attributes, type, initial) = input.Kind switch
            {
                InputKind.FloatVector => ($"[ColumnName({Literal(input.Name)}), VectorType({input.VectorSize})]", "float[]", $"new float[{input.VectorSize}]"),
                InputKind.EncodedImage => ("", "byte[]", "[]"),
                _ => ($"[ColumnName({Literal(input.Name)})]", "string", "\"\""),
            };
            code.Append(CultureInfo.InvariantCulture, $$"""
                        /// <summary>{{Escape(input.Description)}}</summary>
                {{(attributes.Length > 0 ? $"        {attributes}\n" : "")}}        public {{type}} {{Identifier(input.Name)}} { get; set; } = {{initial}};

                """);
        }
        var engineInput = ReadsImageBytes ? "EngineInput" : "ModelInput";
        code.Append(CultureInfo.InvariantCulture, $$"""
                }

                /// <summary>What the model adds: the predicted class name and one probability per class.</summary>
                public class ModelOutput
                {
                    /// <summary>The most probable class.</summary>
                    [ColumnName("PredictedLabel")]
                    public string PredictedLabel { get; set; } = "";

                    /// <summary>Probabilities; slot i is <see cref="ClassNames"/>[i].</summary>
                    [ColumnName("Score")]
                    public float[] Score { get; set; } = [];
                }

                /// <summary>The class names in <c>Score</c>'s slot order.</summary>
                public static readonly string[] ClassNames = [{{string.Join(", ", ClassNames.Select(Literal))}}];

                /// <summary>The model zip; set it before the first prediction to load another path.</summary>
                public static string ModelPath = Path.Combine(AppContext.BaseDirectory, {{Literal(ModelFileName)}});

                // The zip, loaded on first use; engines are made from it as calls need them and reused.
                private static readonly Lazy<(MLContext Context, ITransformer Model)> Loaded = new(LoadModel, isThreadSafe: true);
                private static readonly ConcurrentBag<PredictionEngine<{{engineInput}}, ModelOutput>> Engines = new();

                /// <summary>Scores one input. Thread-safe: the call has a PredictionEngine of its own while it runs.</summary>
                public static ModelOutput Predict(ModelInput input)
                {
                    ArgumentNullException.ThrowIfNull(input);

            """);
        if (ReadsImageBytes)
        {
            var name = Identifier(Inputs.Single(i => i.Kind == InputKind.EncodedImage).Name);
            code.Append(CultureInfo.InvariantCulture, $$"""
                        using var image = DecodeImage(input.{{name}});
                        var row = new EngineInput { {{name}} = image };

                """);
        }
        else
        {
            code.Append("        var row = input;\n");
        }
        code.Append(CultureInfo.InvariantCulture, $$"""
                    if (!Engines.TryTake(out var engine))
                        engine = Loaded.Value.Context.Model.CreatePredictionEngine<{{engineInput}}, ModelOutput>(Loaded.Value.Model);
                    try
                    {
                        return engine.Predict(row);
                    }
                    finally
                    {
                        Engines.Add(engine);
                    }
                }

                /// <summary>Every class with its probability, most probable first.</summary>
                public static IEnumerable<KeyValuePair<string, float>> PredictAllLabels(ModelInput input)
                {
                    var score = Predict(input).Score;
                    return ClassNames.Select((name, i) => new KeyValuePair<string, float>(name, score[i])).OrderByDescending(p => p.Value).ToList();
                }

                private static (MLContext, ITransformer) LoadModel()
                {
                    var mlContext = new MLContext();
                    ITransformer model = mlContext.Model.Load(ModelPath, out DataViewSchema inputSchema);
                    return (mlContext, model);
                }

            """);
        if (ReadsImageBytes)
        {
            var image = Inputs.Single(i => i.Kind == InputKind.EncodedImage);
            code.Append(CultureInfo.InvariantCulture, $$"""

                    /// <summary>Scores an image file (a batch job): its bytes, as <see cref="Predict(ModelInput)"/>.</summary>
                    public static ModelOutput PredictFile(string imagePath) => Predict(new ModelInput { {{Identifier(image.Name)}} = File.ReadAllBytes(imagePath) });

                    // The image's bytes decoded as ML.NET's LoadImages decodes a file's (no temporary file).
                    private static MLImage DecodeImage(byte[] bytes)
                    {
                        if (bytes is null || bytes.Length == 0)
                            throw new ArgumentException("ModelInput.{{Identifier(image.Name)}} is empty: give the image file's bytes (PNG, JPEG, BMP or GIF).", nameof(bytes));
                        try
                        {
                            return MLImage.CreateFromStream(new MemoryStream(bytes, writable: false));
                        }
                        catch (ArgumentException e)
                        {
                            throw new ArgumentException($"ModelInput.{{Identifier(image.Name)}}: {bytes.Length} bytes that are not an image ML.NET decodes (PNG, JPEG, BMP or GIF).", nameof(bytes), e);
                        }
                    }

                    // What the engine reads: the decoded image. ML.NET's image type needs a size to be declared; images of any
                    // size are accepted (the model resizes them).
                    private sealed class EngineInput
                    {
                        /// <summary>The image decoded from <see cref="ModelInput.{{Identifier(image.Name)}}"/>.</summary>
                        [ColumnName({{Literal(image.Name)}}), ImageType(1, 1)]
                        public MLImage? {{Identifier(image.Name)}} { get; set; }
                    }

                """);
        }
        code.Append("}\n");
        return code.ToString();
    }

    /// <summary>A package version as NuGet names it: the assembly's informational version without its source-commit suffix.</summary>
    private static string VersionOf(Assembly assembly)
    {
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString(3) ?? "";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }

    private static string ClassNameFor(string fileName)
    {
        var words = Regex.Split(Path.GetFileNameWithoutExtension(fileName), "[^A-Za-z0-9]+")
            .Where(w => w.Length > 0)
            .Select(w => char.ToUpperInvariant(w[0]) + w[1..]);
        var name = string.Concat(words);
        return name.Length == 0 || char.IsAsciiDigit(name[0]) ? "Model" + name : name;
    }

    private static string Identifier(string column)
    {
        var name = ClassNameFor(column + ".x");
        return name is "ModelInput" or "ModelOutput" ? name + "Column" : name;
    }

    // XML doc text: &, < and > escaped.
    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    // A JSON string (quotes, backslashes and control characters escaped, \uXXXX for the rest) is also a valid C# literal.
    private static string Literal(string text) => JsonSerializer.Serialize(text);
}

/// <summary>What a generated <c>ModelInput</c> member holds.</summary>
internal enum InputKind
{
    /// <summary>A fixed-size float vector (<c>float[]</c>, MNIST's 784 pixels).</summary>
    FloatVector,

    /// <summary>An image file's encoded bytes (<c>byte[]</c>), decoded into the model's image column.</summary>
    EncodedImage,

    /// <summary>Text (<c>string</c>), e.g. an image path a model of an earlier version reads itself.</summary>
    Text,
}

/// <summary>One input column of a saved model, as the generated <c>ModelInput</c> declares it.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Kind">What the member holds.</param>
/// <param name="VectorSize">Float vector size; null for other kinds.</param>
/// <param name="Description">The member's doc comment.</param>
internal sealed record InputColumn(string Name, InputKind Kind, int? VectorSize, string Description);
