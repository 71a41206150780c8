using CnnMl.Architectures;
using CnnMl.Demo.Commands.Train;
using CnnMl.Demo.Models;
using CnnMl.Demo.Steps;
using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// One pass through the guided mode, step by step. Training, evaluation, prediction and saving are
/// <c>cnnml train</c>'s own phases (<c>Steps</c>) run with the <see cref="TrainSettings"/> the answers make: the wizard adds
/// questions, not a second training path.
/// </summary>
internal sealed class GuidedRun(WizardConsole wizard)
{
    /// <summary>The steps, as numbered in their headings.</summary>
    public const int StepCount = 10;

    /// <summary>The answers given so far (complete once <see cref="Run"/> returns).</summary>
    public WizardAnswers Answers { get; private set; } = new();

    /// <summary>Asks, trains, evaluates, lets the user try the model, saves it and prints how to consume and repeat it.</summary>
    public void Run()
    {
        var console = wizard.Console;
        console.Write(new Rule("[bold]CnnMl[/] guided mode").RuleStyle("blue"));
        console.MarkupLine("[grey]Every question has a default: Enter takes it. Arrow keys choose; Ctrl+C stops. Escape cannot go back a step (Spectre.Console's prompts do not report it): a refused answer is asked again, and the command line printed at the end repeats the run.[/]");

        Answers = Answers with { Scenario = ScenarioStep.Ask(wizard) };
        Answers = DataStep.Ask(wizard, Answers);
        Answers = ArchitectureStep.Ask(wizard, Answers);
        Answers = EnvironmentStep.Ask(wizard, Answers);
        Answers = BudgetStep.Ask(wizard, Answers);
        Answers = ControlsStep.Ask(wizard, Answers);

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

        TryItStep.Run(wizard, ml, model, data, settings, settings.Seed);

        Answers = SaveStep.Ask(wizard, Answers);
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
        if (Answers.Out is null || Answers.Frames is not null) return;
        var what = Answers.Images is null ? "digit images" : "images";
        console.MarkupLineInterpolated($"[grey]Classify your own {what} with: cnnml predict --model {Answers.Out} IMAGE...[/]");
    }
}
