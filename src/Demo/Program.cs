using CnnMl.Demo.Commands;
using CnnMl.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

// Logs and CI capture the output: do not wrap report lines at 80 columns there.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("cnnml");
    config.AddCommand<TrainCommand>("train")
        .WithDescription("Train an architecture on MNIST through the ML.NET pipeline, evaluate it and try a prediction.")
        .WithExample("train", "--arch", "mnist-cnn", "--epochs", "3");
    config.AddCommand<SummaryCommand>("summary")
        .WithDescription("Per-layer output shapes, parameters and multiply-accumulates of an architecture.")
        .WithExample("summary", "--arch", "resnet50", "--input", "3x224x224", "--json", "s.json");
    config.AddCommand<ConvDemoCommand>("conv-demo")
        .WithDescription("The source document's hand-written convolution: corr2d, edge detection, learning a kernel.");
    config.AddCommand<BenchCommand>("bench")
        .WithDescription("Training throughput of the estimator vs a raw TorchSharp loop; batched vs one-row scoring.");
    config.AddCommand<ArchitecturesCommand>("architectures")
        .WithDescription("List the architecture registry, one line each.");
    config.SetExceptionHandler((exception, _) =>
    {
        // Bad input and a missing native library end with one clear line, not a stack trace.
        var message = exception is TorchNativeLibraryException or ArgumentException or FileNotFoundException
            or DirectoryNotFoundException or FormatException or InvalidOperationException or CommandAppException
            ? exception.Message
            : exception.ToString();
        // Redirected (a log, a test): the line as is, never wrapped at the console width.
        if (Console.IsOutputRedirected) Console.WriteLine($"error: {message}");
        else AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {message}");
        return 1;
    });
});
return app.Run(args);
