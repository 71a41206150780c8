using CnnMl.Demo.Cli;
using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// Step 9: whether and where to save the model zip. The path is checked as <c>train --out</c> checks it (folder
/// exists, file writable, not a folder) before anything is written; the save itself is <c>train --out</c>'s. Escape goes
/// back to step 8 (<see cref="GuidedRun"/>).
/// </summary>
internal static class SaveStep
{
    /// <summary>The default file name, in the current folder.</summary>
    public const string DefaultFile = "model.zip";

    /// <summary>Asks; returns the answers with <see cref="WizardAnswers.Out"/> set, or unset when the user declines.</summary>
    public static WizardAnswers Ask(WizardConsole wizard, WizardAnswers answers)
    {
        wizard.Step(9, "Save");
        if (!wizard.Ask(new ConfirmationPrompt("Save the model as an ML.NET zip (with its consumption code)?") { DefaultValue = true }))
            return answers with { Out = null };
        var path = wizard.Ask(new TextPrompt<string>("Model file?")
            .DefaultValue(answers.Out ?? DefaultFile)
            .Validate(p => Writable(p) is { } problem ? ValidationResult.Error($"[red]{Markup.Escape(problem)}[/]") : ValidationResult.Success()));
        return answers with { Out = path };
    }

    private static string? Writable(string path)
    {
        if (!path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) return $"'{path}' does not end in .zip; ML.NET model files are zips.";
        try
        {
            OutputFiles.EnsureWritable("model file", path);
            OutputFiles.EnsureWritable("consumption code", Models.ConsumptionCodeFile.PathFor(path));
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }
}
