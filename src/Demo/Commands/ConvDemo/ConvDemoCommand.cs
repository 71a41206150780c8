using System.Globalization;
using System.Text;
using CnnMl.Demo.Plots;
using CnnMl.Samples.ConvFromScratch;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace CnnMl.Demo.Commands.ConvDemo;

/// <summary>
/// <c>cnnml conv-demo</c>: the source document's hand-written convolution section, computed by the sample's
/// C# <c>Corr2d</c> (samples/ConvFromScratch): the 3×3 example, edge detection on the 6×8 image and on its transpose, and learning
/// the 1×2 kernel back from the edges.
/// </summary>
public sealed class ConvDemoCommand : Command<ConvDemoSettings>
{
    public override int Execute(CommandContext context, ConvDemoSettings settings, CancellationToken cancellation)
    {
        var plots = PlotFolder.Open("--plots", settings.Plots);
        using var scope = NewDisposeScope();

        AnsiConsole.Write(new Rule("[bold]corr2d(X, K)[/]").LeftJustified());
        var x = tensor(new float[,] { { 0, 1, 2 }, { 3, 4, 5 }, { 6, 7, 8 } });
        var k = tensor(new float[,] { { 0, 1 }, { 2, 3 } });
        Show("X", x);
        Show("K", k);
        Show("corr2d(X, K)", Corr2d.Compute(x, k));

        AnsiConsole.Write(new Rule("[bold]Edge detection[/]").LeftJustified());
        var image = EdgeDetection.Image();
        var kernel = EdgeDetection.Kernel();
        Show($"X: {EdgeDetection.Height}×{EdgeDetection.Width} ones, columns {EdgeDetection.BlackFrom}–{EdgeDetection.BlackTo - 1} zero", image);
        Show("K", kernel);
        var edges = Corr2d.Compute(image, kernel);
        Show("Y = corr2d(X, K): 1 where white turns black, −1 where black turns white", edges);
        if (plots is not null) EdgeDetectionPlot.Write(plots, image, edges);
        Show("corr2d(X.T, K): the vertical-edge kernel finds no edges in the transpose", Corr2d.Compute(image.t(), kernel));

        AnsiConsole.Write(new Rule("[bold]Learning the kernel[/]").LeftJustified());
        AnsiConsole.MarkupLine($"nn.Conv2d(1, 1, kernel_size=(1, 2), bias=False), {KernelLearning.DefaultSteps} steps, lr {KernelLearning.DefaultLearningRate.ToString(CultureInfo.InvariantCulture)}, squared error");
        var result = KernelLearning.Run();
        foreach (var step in result.Losses)
            Console.WriteLine($"epoch {step.Step}, loss {step.Loss.ToString("F3", CultureInfo.InvariantCulture)}");
        Console.WriteLine($"learned kernel: [{string.Join(", ", result.Kernel.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))}]  (target [1, -1])");
        return 0;
    }

    private static void Show(string title, Tensor t)
    {
        var rows = (int)t.shape[0];
        var cols = (int)t.shape[1];
        var values = t.contiguous().data<float>().ToArray();
        var text = new StringBuilder();
        for (var r = 0; r < rows; r++)
        {
            text.Append("  [");
            text.Append(string.Join(", ", Enumerable.Range(0, cols).Select(c => values[r * cols + c].ToString("0.#", CultureInfo.InvariantCulture).PadLeft(3))));
            text.AppendLine("]");
        }
        Console.WriteLine($"{title}  ({rows}×{cols})");
        Console.Write(text);
    }
}
