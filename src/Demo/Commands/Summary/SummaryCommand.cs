using System.ComponentModel;
using CnnMl.Architectures;
using CnnMl.Demo.Cli;
using CnnMl.Inspection;
using CnnMl.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo.Commands.Summary;

/// <summary>Options of <c>cnnml summary</c>.</summary>
public sealed class SummarySettings : CnnmlSettings
{
    [CommandOption("--arch <NAME>")]
    [Description("Architecture from the registry.")]
    [DefaultValue(CnnArchitectures.MnistCnn)]
    public string Architecture { get; init; } = CnnArchitectures.MnistCnn;

    [CommandOption("--input <SHAPE>")]
    [Description("One example's shape, channels first: 1x28x28, 3x224x224, 1x16x28x28. Default: the architecture's.")]
    public string? Input { get; init; }

    [CommandOption("--classes <N>")]
    [Description("Number of classes. Default: the architecture's.")]
    public int? Classes { get; init; }

    [CommandOption("--json <FILE>")]
    [Description("Also write the summary as JSON.")]
    public string? Json { get; init; }

    public override ValidationResult Validate()
    {
        if (!CnnArchitectures.TryGet(Architecture, out _))
            return ValidationResult.Error(ArchitectureName.Unknown(Architecture));
        if (Classes is < 2) return ValidationResult.Error($"--classes must be at least 2 (got {Classes}).");
        if (ShapeOption.Problem(Input) is { } problem) return ValidationResult.Error(problem);
        return ValidationResult.Success();
    }
}

/// <summary>
/// <c>cnnml summary</c>: per-layer output shapes, parameters and multiply-accumulates of a registry
/// network (Keras summary() / torchinfo style). A network with an inference form (CondenseNet) is
/// summarized in both forms.
/// </summary>
public sealed class SummaryCommand : Command<SummarySettings>
{
    public override int Execute(CommandContext context, SummarySettings settings, CancellationToken cancellation)
    {
        OutputFiles.EnsureWritable("--json", settings.Json);
        var architecture = CnnArchitectures.Get(settings.Architecture);
        var input = settings.Input is null ? architecture.DefaultInput : ImageShape.Parse(settings.Input);
        var classes = settings.Classes ?? architecture.DefaultClasses;
        using var module = architecture.Create(input, classes);
        var summaries = new List<ModelSummary> { ModelSummary.Of(module, input, architecture.Name) };
        if (module is IConvertibleAfterTraining convertible)
        {
            module.eval();
            using var inference = convertible.ConvertForInference();
            summaries.Add(ModelSummary.Of(inference, input, $"{architecture.Name} (inference form)"));
        }

        foreach (var summary in summaries)
        {
            AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(summary.Architecture)}[/] · input {input} · {classes} classes").LeftJustified());
            Console.WriteLine(summary.ToTable());
        }

        if (settings.Json is { } path)
        {
            var json = summaries.Count == 1
                ? summaries[0].ToJson()
                : $"{{\n\"training\": {summaries[0].ToJson()},\n\"inference\": {summaries[1].ToJson()}\n}}";
            AnsiConsole.MarkupLineInterpolated($"Summary written to {OutputFiles.WriteAtomically(path, json)}");
        }
        return 0;
    }
}
