using CnnMl.Demo.Commands.Train;
using Spectre.Console;
using TorchSharp;

namespace CnnMl.Demo.Wizard;

/// <summary>Step 4: where to train. CUDA is offered only when libtorch reports it available.</summary>
internal static class EnvironmentStep
{
    public static WizardAnswers Ask(WizardConsole wizard, WizardAnswers answers, bool? cudaAvailable = null)
    {
        wizard.Step(4, "Environment");
        var cuda = cudaAvailable ?? torch.cuda.is_available();
        var cpu = $"CPU ({Environment.ProcessorCount} core(s))";
        if (!cuda)
        {
            wizard.Console.MarkupLineInterpolated($"Training on the [bold]{cpu}[/]. [grey]CUDA is not available here (a CPU build of libtorch, or no GPU and driver), so it is not offered.[/]");
            return answers with { Device = TrainDevice.Cpu };
        }
        var device = wizard.Ask(new SelectionPrompt<TrainDevice>()
            .Title("Where to train?")
            .AddChoices(TrainDevice.Cuda, TrainDevice.Cpu)
            .DefaultValue(answers.Device)
            .UseConverter(d => d == TrainDevice.Cuda ? $"CUDA (device 0 of {torch.cuda.device_count()})" : cpu));
        return answers with { Device = device };
    }
}
