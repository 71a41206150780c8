using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>Step 1: what to train for.</summary>
internal static class ScenarioStep
{
    public static Scenario Ask(WizardConsole wizard)
    {
        wizard.Step(1, "Scenario");
        var scenario = wizard.Ask(new SelectionPrompt<Scenario>()
            .Title("What do you want to train?")
            .AddChoices(Scenario.ImageClassification, Scenario.Volumes)
            .UseConverter(s => s switch
            {
                Scenario.ImageClassification => "Image classification (one label per image)",
                _ => "Volumes: clips of frames for a 3D network (conv3d)",
            }));
        wizard.Console.MarkupLine(scenario == Scenario.ImageClassification ? "Scenario: [bold]image classification[/]" : "Scenario: [bold]volumes[/] (3D clips)");
        return scenario;
    }
}
