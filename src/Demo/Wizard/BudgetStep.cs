using System.Globalization;
using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// Step 5: how long to train, in epochs or in minutes. A minutes budget becomes the trainer's time limit: training
/// stops after the batch in progress when the time is up and keeps the model trained so far. The earlier answers are the
/// defaults when Escape comes back to this step.
/// </summary>
internal static class BudgetStep
{
    /// <summary>The two kinds of budget.</summary>
    public enum Kind
    {
        /// <summary>A number of passes over the training images.</summary>
        Epochs,

        /// <summary>A wall-clock limit.</summary>
        Minutes,
    }

    public static WizardAnswers Ask(WizardConsole wizard, WizardAnswers answers)
    {
        wizard.Step(5, "Budget");
        var kind = wizard.Ask(new SelectionPrompt<Kind>()
            .Title("Train for a number of epochs, or for a time?")
            .AddChoices(Kind.Epochs, Kind.Minutes)
            .DefaultValue(answers.MaxMinutes is null ? Kind.Epochs : Kind.Minutes)
            .UseConverter(k => k == Kind.Epochs ? "Epochs (passes over the training images)" : "Minutes (stop when the time is up, keep the model so far)"));
        wizard.Console.MarkupLine(kind == Kind.Epochs ? "Budget: [bold]epochs[/]" : "Budget: [bold]minutes[/]");
        // The kind, kept should Escape start the step again: a minutes budget's default time, or no time.
        wizard.Progress = kind == Kind.Epochs
            ? answers with { MaxMinutes = null, Epochs = answers.MaxMinutes is null ? answers.Epochs : new WizardAnswers().Epochs }
            : answers with { MaxMinutes = answers.MaxMinutes ?? 2.0, Epochs = WizardAnswers.EpochsUnderTimeBudget };
        if (kind == Kind.Epochs)
        {
            var epochs = wizard.Ask(new TextPrompt<int>("Epochs?")
                .DefaultValue(answers.MaxMinutes is null ? answers.Epochs : new WizardAnswers().Epochs)
                .Validate(n => n is >= 1 and <= 1000 ? ValidationResult.Success() : ValidationResult.Error("[red]Give 1 to 1,000 epochs.[/]")));
            return answers with { Epochs = epochs, MaxMinutes = null };
        }
        var minutes = wizard.Ask(new TextPrompt<double>("Minutes?") { Culture = CultureInfo.InvariantCulture }
            .DefaultValue(answers.MaxMinutes ?? 2.0)
            .WithConverter(m => m.ToString(CultureInfo.InvariantCulture))
            .Validate(m => m > 0 && m <= 24 * 60 ? ValidationResult.Success() : ValidationResult.Error("[red]Give a time above 0 and up to 1,440 minutes.[/]")));
        wizard.Console.MarkupLineInterpolated($"[grey]Up to {WizardAnswers.EpochsUnderTimeBudget} epochs; the time limit ends training first.[/]");
        return answers with { Epochs = WizardAnswers.EpochsUnderTimeBudget, MaxMinutes = minutes };
    }
}
