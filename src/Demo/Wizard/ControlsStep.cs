using System.Globalization;
using CnnMl.Demo.Cli;
using CnnMl.Optimizers;
using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// Part of step 5: the training controls most runs touch — optimizer, learning rate, schedule with warm-up,
/// augmentation, early stopping, label smoothing — each with <c>cnnml train</c>'s default, so Enter keeps them all.
/// The rest (class weights, mixed precision, the step schedule's settings) are on the command line. When Escape comes
/// back to this step, the earlier choices are the defaults.
/// </summary>
internal static class ControlsStep
{
    private static readonly string Defaults =
        $"the defaults (Adam at {CnnOptimizer.DefaultLearningRate.ToString(CultureInfo.InvariantCulture)}, constant rate, no augmentation, no early stopping)";
    private const string Choose = "choose the optimizer, learning rate, schedule, augmentation, early stopping";

    public static WizardAnswers Ask(WizardConsole wizard, WizardAnswers answers)
    {
        var defaults = answers.WithDefaultControls();
        var choice = wizard.Ask(new SelectionPrompt<string>().Title("Training controls?").AddChoices(Defaults, Choose)
            .DefaultValue(answers == defaults ? Defaults : Choose));
        wizard.Console.MarkupLineInterpolated($"Training controls: [bold]{(choice == Defaults ? "the defaults" : "chosen")}[/]");
        if (choice == Defaults) return defaults;

        var optimizer = wizard.Ask(new SelectionPrompt<string>().Title("Optimizer?").AddChoices(TrainingControlSettings.OptimizerNames)
            .DefaultValue(answers.Optimizer)
            .UseConverter(o => o switch
            {
                "adam" => "adam (the source document's)",
                "adamw" => "adamw (decoupled weight decay 0.01)",
                _ => "sgd (with momentum)",
            }));
        wizard.Console.MarkupLineInterpolated($"Optimizer: [bold]{optimizer}[/]");
        // Each answer is kept as it is given, so that Escape starts the step again with it as the default.
        var progress = answers;
        double? momentum = null;
        if (optimizer == "sgd")
        {
            momentum = wizard.Ask(new TextPrompt<double>("Momentum?") { Culture = CultureInfo.InvariantCulture }
                .DefaultValue(answers.Momentum ?? 0.9).WithConverter(Text)
                .Validate(m => m is >= 0 and < 1 ? ValidationResult.Success() : ValidationResult.Error("[red]Give a momentum in [[0, 1), e.g. 0.9.[/]")));
        }
        // The earlier rate is the default for the same optimizer; another starts from its own.
        var rateDefault = optimizer == answers.Optimizer ? answers.LearningRate : optimizer == "sgd" ? 0.01 : CnnOptimizer.DefaultLearningRate;
        wizard.Progress = progress = progress with { Optimizer = optimizer, Momentum = momentum, LearningRate = rateDefault };
        var rate = wizard.Ask(new TextPrompt<double>("Learning rate? (cnnml lr-find suggests one)") { Culture = CultureInfo.InvariantCulture }
            .DefaultValue(rateDefault).WithConverter(Text)
            .Validate(r => r > 0 && r <= 10 ? ValidationResult.Success() : ValidationResult.Error("[red]Give a rate above 0 and up to 10, e.g. 0.001.[/]")));
        wizard.Progress = progress = progress with { LearningRate = rate };
        var schedule = wizard.Ask(new SelectionPrompt<string>().Title("Learning-rate schedule?").AddChoices("constant", "cosine", "one-cycle", "step")
            .DefaultValue(answers.Schedule)
            .UseConverter(s => s switch
            {
                "constant" => "constant (the rate throughout)",
                "cosine" => "cosine (annealed to 0 over the run)",
                "one-cycle" => "one-cycle (rises to the rate, then anneals)",
                _ => "step (a tenth every epoch)",
            }));
        wizard.Console.MarkupLineInterpolated($"Schedule: [bold]{schedule}[/]");
        wizard.Progress = progress = progress with { Schedule = schedule };
        var warmup = answers.Epochs > 1
            ? wizard.Ask(new TextPrompt<double>("Warm-up epochs? (0: none)") { Culture = CultureInfo.InvariantCulture }
                .DefaultValue(answers.WarmupEpochs < answers.Epochs ? answers.WarmupEpochs : 0.0).WithConverter(Text)
                .Validate(w => w >= 0 && w < answers.Epochs ? ValidationResult.Success() : ValidationResult.Error($"[red]Give 0 or more epochs, fewer than the {answers.Epochs} to train.[/]")))
            : 0;
        wizard.Progress = progress = progress with { WarmupEpochs = warmup };
        var augmentPrompt = new MultiSelectionPrompt<string>().Title("Augmentation? (Space toggles, Enter confirms; none by default)")
            .NotRequired().AddChoices(TrainingControlSettings.AugmentationNames)
            .UseConverter(a => a switch
            {
                "crop" => "crop (shift by up to an eighth of the side)",
                "flip" => "flip (mirror; not for digits or text)",
                _ => "affine (rotate ±10°, shift and scale ±10 %)",
            });
        foreach (var earlier in answers.Augment?.Split(',') ?? []) augmentPrompt.Select(earlier);
        var augment = wizard.Ask(augmentPrompt);
        wizard.Console.MarkupLineInterpolated($"Augmentation: [bold]{(augment.Count == 0 ? "none" : string.Join(", ", augment))}[/]");
        wizard.Progress = progress = progress with { Augment = augment.Count == 0 ? null : string.Join(',', augment) };
        var patience = wizard.Ask(new TextPrompt<int>("Early stopping: epochs without improvement before stopping? (0: off)")
            .DefaultValue(answers.EarlyStopping ?? 0)
            .Validate(p => p is >= 0 and <= 100 ? ValidationResult.Success() : ValidationResult.Error("[red]Give 0 (off) to 100 epochs.[/]")));
        wizard.Progress = progress = progress with { EarlyStopping = patience == 0 ? null : patience };
        var smoothing = wizard.Ask(new TextPrompt<double>("Label smoothing? (0: none; 0.1 is common)") { Culture = CultureInfo.InvariantCulture }
            .DefaultValue(answers.LabelSmoothing).WithConverter(Text)
            .Validate(e => e is >= 0 and < 1 ? ValidationResult.Success() : ValidationResult.Error("[red]Give a value in [[0, 1), e.g. 0.1.[/]")));
        return progress with { LabelSmoothing = smoothing };
    }

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}
