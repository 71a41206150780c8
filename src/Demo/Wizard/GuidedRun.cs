using CnnMl.Architectures;
using CnnMl.Demo.Commands.Train;
using CnnMl.Demo.Models;
using CnnMl.Demo.Steps;
using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// One pass through the guided mode, step by step. Training, evaluation, prediction and saving are
/// <c>cnnml train</c>'s own phases (<c>Steps</c>) run with the <see cref="TrainSettings"/> the answers make: the wizard adds
/// questions, not a second training path. Escape goes back: through the questions before training as
/// <see cref="QuestionSequence"/> says; from saving to "try it"; from "try it" (after a confirmation that discards the
/// trained model) to the training controls.
/// </summary>
internal sealed class GuidedRun(WizardConsole wizard, bool? cudaAvailable = null)
{
    /// <summary>The steps, as numbered in their headings.</summary>
    public const int StepCount = 10;

    /// <summary>The opening line: how to answer, go back and stop.</summary>
    public const string Keys = "Every question has a default: Enter takes it. Arrow keys choose; Escape goes back a step (the earlier answers are kept as defaults); Ctrl+C stops.";

    /// <summary>The answers given so far (complete once <see cref="Run"/> returns true).</summary>
    public WizardAnswers Answers { get; private set; } = new();

    /// <summary>
    /// Asks, trains, evaluates, lets the user try the model, saves it and prints how to consume and repeat it.
    /// </summary>
    /// <returns>True when the run finished; false when the user quit at the first question (nothing trained).</returns>
    public bool Run()
    {
        var console = wizard.Console;
        console.Write(new Rule("[bold]CnnMl[/] guided mode").RuleStyle("blue"));
        console.MarkupLine($"[grey]{Markup.Escape(Keys)}[/]");

        var questions = QuestionSequence.GuidedMode(wizard, cudaAvailable);
        var from = 0;
        while (true)
        {
            if (questions.Run(Answers, from) is not { } answers)
            {
                console.MarkupLine("Quit: nothing was trained or saved.");
                return false;
            }
            Answers = answers;
            if (TrainAndFinish()) return true;
            // Back from "try it": the last questions (the training controls), the earlier answers as defaults.
            console.MarkupLine("[grey]The trained model is discarded: back to the training controls of step 5.[/]");
            from = questions.Count - 1;
        }
    }

    /// <summary>Steps 6 to 10; false when the user went back from "try it" to the questions (the model is discarded).</summary>
    private bool TrainAndFinish()
    {
        var console = wizard.Console;
        wizard.Step(6, "Training");
        var settings = Answers.ToSettings();
        var ml = TrainRunSetup.CreateContext(settings);
        var data = PreparedData.Load(ml, settings, CnnArchitectures.Get(settings.Architecture));
        var options = TrainRunSetup.TrainerOptions(settings, data, wizard.Cancellation);
        using var model = LiveTraining.Fit(ml, options, data.Train, batchLines: false);
        var summary = model.TrainingSummary!;
        console.MarkupLineInterpolated(
            $"Trained {summary.Epochs} epoch(s) in [bold]{summary.TrainSeconds:F1} s[/] ({summary.ImagesPerSecond:N0} images/s, validation excluded) on {summary.Device}.");

        wizard.Step(7, "Evaluation");
        TestSetEvaluation.Show(ml, model, data.Test, data.TestImages);

        while (true)
        {
            try
            {
                TryItStep.Run(wizard, ml, model, data, settings, settings.Seed);
            }
            catch (StepBackException)
            {
                if (ConfirmDiscard()) return false;
                continue;
            }
            try
            {
                Answers = SaveStep.Ask(wizard, Answers);
                break;
            }
            catch (StepBackException)
            {
                console.MarkupLine("[grey]Escape: back to trying the model.[/]");
            }
        }
        ConsumptionCodeFile? code = null;
        if (Answers.Out is { } path)
        {
            wizard.Cancellation.ThrowIfCancellationRequested();
            (code, _) = ModelSaving.SaveAndReload(ml, model, data, path, settings.Seed, TrainRunSetup.EpochsTrained(settings, model), wizard.Cancellation);
        }

        wizard.Step(10, "Consume");
        ModelSaving.ShowHowToConsume(code, model, data.Data, TrainRunSetup.EpochsTrained(settings, model));
        console.MarkupLine("The same run without questions:");
        // Written past Spectre's line wrapping: the terminal's own soft wrap keeps the line whole for copy and paste.
        console.Profile.Out.Writer.WriteLine("  " + Answers.CommandLine());
        console.Profile.Out.Writer.Flush();
        // predict reads image files: it serves image models, not clip models.
        if (Answers.Out is null || Answers.Frames is not null) return true;
        var what = Answers.Images is null ? "digit images" : "images";
        console.MarkupLineInterpolated($"[grey]Classify your own {what} with: cnnml predict --model {Answers.Out} IMAGE...[/]");
        return true;
    }

    // Escape at "try it": the step before is training. Going back discards the model; Enter (or Escape again) stays.
    private bool ConfirmDiscard()
    {
        try
        {
            return wizard.Ask(new ConfirmationPrompt("Go back to the training controls? The trained model is discarded (not saved).") { DefaultValue = false });
        }
        catch (StepBackException)
        {
            return false;
        }
    }
}
