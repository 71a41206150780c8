using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>Step 1: what to train for (the earlier answer is the default when Escape comes back here).</summary>
internal static class ScenarioStep
{
    public static WizardAnswers Ask(WizardConsole wizard, WizardAnswers answers)
    {
        wizard.Step(1, "Scenario");
        var scenario = wizard.Ask(new SelectionPrompt<Scenario>()
            .Title("What do you want to train?")
            .AddChoices(Scenario.ImageClassification, Scenario.Volumes)
            .DefaultValue(answers.Scenario)
            .UseConverter(s => s switch
            {
                Scenario.ImageClassification => "Image classification (one label per image)",
                _ => "Volumes: clips of frames for a 3D network (conv3d)",
            }));
        wizard.Console.MarkupLine(scenario == Scenario.ImageClassification ? "Scenario: [bold]image classification[/]" : "Scenario: [bold]volumes[/] (3D clips)");
        return answers with { Scenario = scenario };
    }
}
