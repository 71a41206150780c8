using System.Diagnostics;
using CnnMl.Architectures;
using CnnMl.Data;
using CnnMl.Demo.Commands.Train;
using CnnMl.Demo.Steps;
using CnnMl.Demo.Wizard;
using CnnMl.Inspection;
using CnnMl.Tests.Support;
using Microsoft.ML;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Testing;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// The guided mode's steps (issue 9, "Guided mode"), each driven through Spectre.Console.Testing's
/// <see cref="TestConsole"/> with scripted keys: what Enter alone chooses, what other keys choose, what is refused,
/// and that the equivalent command line is one <c>cnnml train</c> parses into the same settings.
/// </summary>
[TestClass]
[DoNotParallelize] // the guided mode sets AnsiConsole.Console for its run
public sealed class GuidedModeStepTests
{
    /// <summary>An interactive 120-column console without ANSI codes, as the tests read its output.</summary>
    internal static TestConsole NewConsole()
    {
        var console = new TestConsole().Interactive();
        console.Profile.Width = 120;
        console.EmitAnsiSequences = false;
        return console;
    }

    private static WizardConsole Wizard(TestConsole console) => new(console, CancellationToken.None);

    [TestMethod]
    public void Scenario_step_takes_image_classification_on_Enter_and_volumes_one_line_down()
    {
        var enter = NewConsole();
        enter.Input.PushKey(ConsoleKey.Enter);
        Assert.AreEqual(Scenario.ImageClassification, ScenarioStep.Ask(Wizard(enter), new WizardAnswers()).Scenario);
        StringAssert.Contains(enter.Output, "Scenario: image classification");

        var down = NewConsole();
        down.Input.PushKey(ConsoleKey.DownArrow);
        down.Input.PushKey(ConsoleKey.Enter);
        Assert.AreEqual(Scenario.Volumes, ScenarioStep.Ask(Wizard(down), new WizardAnswers()).Scenario);
    }

    [TestMethod]
    public void Data_step_refuses_a_folder_without_MNIST_and_turns_typed_counts_into_limits()
    {
        var mnist = TestPaths.RequireMnist();
        var empty = Directory.CreateTempSubdirectory("cnnml-no-mnist-").FullName;
        try
        {
            var console = NewConsole();
            console.Input.PushKey(ConsoleKey.Enter);  // MNIST, the first choice
            console.Input.PushTextWithEnter(empty);
            console.Input.PushTextWithEnter(mnist);
            console.Input.PushTextWithEnter("1500");
            console.Input.PushTextWithEnter("0");     // refused: at least 1
            console.Input.PushTextWithEnter("250");
            var answers = DataStep.Ask(Wizard(console), new WizardAnswers());

            StringAssert.Contains(console.Output, $"No MNIST idx files in {empty}");
            StringAssert.Contains(console.Output, "Give 1 to 10,000.");
            StringAssert.Contains(console.Output, "my image folder (one sub-folder per label", "The image-folder choice is offered.");
            Assert.IsNull(answers.Images);
            Assert.AreEqual(1500, answers.TrainLimit);
            Assert.AreEqual(250, answers.TestLimit);
            Assert.IsNull(answers.Frames);
            Assert.AreEqual(new ImageShape(1, 28, 28), answers.InputShape);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [TestMethod]
    public void Data_step_image_folder_choice_refuses_a_folder_train_images_refuses_and_counts_the_held_out_split()
    {
        var mnist = TestPaths.RequireMnist();
        var root = Directory.CreateTempSubdirectory("cnnml-wizard-folder-").FullName;
        try
        {
            var oneLabel = Path.Combine(root, "one-label");
            Directory.CreateDirectory(Path.Combine(oneLabel, "cat"));
            var digits = Path.Combine(root, "digits");
            var perDigit = DigitImageFiles.WriteFolder(digits, MnistDataset.Load(mnist, MnistSplit.Train, 100), 0, 100, side: 28);

            var console = NewConsole();
            console.Profile.Width = 250; // the temporary paths are long: keep the lines checked below whole
            console.Input.PushKey(ConsoleKey.DownArrow);  // my image folder
            console.Input.PushKey(ConsoleKey.Enter);
            console.Input.PushTextWithEnter(oneLabel);     // refused: one label
            console.Input.PushTextWithEnter(digits);
            var answers = DataStep.Ask(Wizard(console), new WizardAnswers());

            StringAssert.Contains(console.Output, "has one label ('cat'); a classifier needs at least two");
            Assert.AreEqual(digits, answers.Images);
            Assert.AreEqual(10, answers.Classes);
            // train's default split: 20 % of each label held out, at least one per label (ImageFolder.Split).
            var split = ImageFolder.Load(digits).Split(0.2, 1);
            Assert.AreEqual(100, split.Train.Images.Count + split.Test.Images.Count);
            Assert.AreEqual(split.Train.Images.Count, answers.ImageFolderTrainImages);
            Assert.IsTrue(answers.ImageFolderTrainImages is > 60 and < 100, $"{answers.ImageFolderTrainImages} of 100 ({string.Join(", ", perDigit)} per digit)");
            StringAssert.Contains(console.Output, $"{split.Train.Images.Count} training and {split.Test.Images.Count} test images");
            Assert.IsNull(answers.InputShape, "The input is asked with the architecture.");
            Assert.IsNull(answers.DataDirectory);
            Assert.IsNull(answers.TrainLimit);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void Architecture_step_for_an_image_folder_asks_the_input_and_refuses_what_train_refuses()
    {
        var console = NewConsole();
        console.Input.PushKey(ConsoleKey.Enter);            // the first network: mnist-cnn
        console.Input.PushTextWithEnter("2x28x28");         // refused by train's own check: 1 or 3 channels
        console.Input.PushTextWithEnter("3x28x28");
        var answers = ArchitectureStep.Ask(Wizard(console), new WizardAnswers { Images = "photos", Classes = 4 });

        Assert.AreEqual(CnnArchitectures.MnistCnn, answers.Architecture);
        Assert.AreEqual("3x28x28", answers.Input);
        Assert.AreEqual(new ImageShape(3, 28, 28), answers.InputShape);
        StringAssert.Contains(console.Output, "Architectures at their own input, 4 classes");
        StringAssert.Contains(console.Output, "Input shape for mnist-cnn? (CxHxW) (1x28x28)");
        StringAssert.Contains(console.Output, "images are given to a network as 1xHxW (grayscale) or 3xHxW (RGB)");
        // Each 2D network measured at its own input: condensenet74 at 3x224x224 fits, no 3D network is listed.
        StringAssert.Contains(console.Output, "condensenet74");
        Assert.IsFalse(console.Output.Contains("does not take", StringComparison.Ordinal), "every 2D network takes its own input");
        Assert.IsFalse(console.Output.Contains(CnnArchitectures.Conv3d, StringComparison.Ordinal));
        var settings = answers.ToSettings();
        Assert.AreEqual("photos", settings.Images);
        Assert.AreEqual(new ImageShape(3, 28, 28), settings.InputShape);
    }

    [TestMethod]
    public void Data_step_for_volumes_asks_the_frames_and_Enter_keeps_all_images()
    {
        var mnist = TestPaths.RequireMnist();
        var console = NewConsole();
        console.Input.PushTextWithEnter("6");
        console.Input.PushTextWithEnter(mnist);
        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushKey(ConsoleKey.Enter);
        var answers = DataStep.Ask(Wizard(console), new WizardAnswers { Scenario = Scenario.Volumes });

        Assert.AreEqual(6, answers.Frames);
        Assert.AreEqual(new ImageShape(1, 6, 28, 28), answers.InputShape);
        Assert.IsNull(answers.TrainLimit, "Enter takes all 60,000 training images.");
        Assert.IsNull(answers.TestLimit, "Enter takes all 10,000 test images.");
    }

    [TestMethod]
    public void Architecture_step_shows_each_networks_parameters_and_MACs_at_the_input_and_Enter_takes_mnist_cnn()
    {
        var console = NewConsole();
        console.Input.PushKey(ConsoleKey.Enter);
        var answers = ArchitectureStep.Ask(Wizard(console), new WizardAnswers());

        Assert.AreEqual(CnnArchitectures.MnistCnn, answers.Architecture);
        // The figures shown are those of the network built for 1x28x28 and 10 classes.
        using var module = CnnArchitectures.Get(CnnArchitectures.MnistCnn).Create(KnownInputs.Mnist, 10);
        var parameters = module.parameters().Sum(p => p.numel());
        Assert.AreEqual(121_514, parameters);
        var macs = ModelSummary.Of(CnnArchitectures.MnistCnn, KnownInputs.Mnist, 10).Macs;
        StringAssert.Contains(console.Output, $"Architecture: mnist-cnn, {parameters:N0} parameters, {macs:N0} MACs per 1x28x28 example.");
        StringAssert.Contains(console.Output, "121.51 k");
        // A network that cannot take the input is listed with the reason and not offered.
        StringAssert.Contains(console.Output, "condensenet74");
        StringAssert.Contains(console.Output, "does not take 1x28x28 (designed for 3x224x224)");
    }

    [TestMethod]
    public void Architecture_candidates_for_clips_are_the_3D_networks_only()
    {
        var candidates = ArchitectureStep.Measure(new ImageShape(1, 8, 28, 28), 10, CancellationToken.None);
        CollectionAssert.AreEqual(new[] { CnnArchitectures.Conv3d }, candidates.Select(c => c.Architecture.Name).ToArray());
        Assert.IsTrue(candidates[0].Fits);
        Assert.IsTrue(candidates[0].Parameters > 0 && candidates[0].Macs > candidates[0].Parameters, $"{candidates[0]}");
    }

    [TestMethod]
    public void Environment_step_offers_CUDA_only_when_available()
    {
        var noCuda = NewConsole();
        Assert.AreEqual(TrainDevice.Cpu, EnvironmentStep.Ask(Wizard(noCuda), new WizardAnswers(), cudaAvailable: false).Device);
        StringAssert.Contains(noCuda.Output, "CUDA is not available here");

        var cuda = NewConsole();
        cuda.Input.PushKey(ConsoleKey.DownArrow);
        cuda.Input.PushKey(ConsoleKey.Enter);
        Assert.AreEqual(TrainDevice.Cpu, EnvironmentStep.Ask(Wizard(cuda), new WizardAnswers(), cudaAvailable: true).Device,
            "With CUDA, it is the first choice and the CPU the second.");
    }

    [TestMethod]
    public void Budget_step_takes_3_epochs_on_Enter_or_a_time_limit_with_an_epoch_bound()
    {
        var epochs = NewConsole();
        epochs.Input.PushKey(ConsoleKey.Enter);
        epochs.Input.PushKey(ConsoleKey.Enter);
        var byEpochs = BudgetStep.Ask(Wizard(epochs), new WizardAnswers());
        Assert.AreEqual(3, byEpochs.Epochs);
        Assert.IsNull(byEpochs.MaxMinutes);

        var minutes = NewConsole();
        minutes.Input.PushKey(ConsoleKey.DownArrow);
        minutes.Input.PushKey(ConsoleKey.Enter);
        minutes.Input.PushTextWithEnter("-1");   // refused
        minutes.Input.PushTextWithEnter("0.5");
        var byTime = BudgetStep.Ask(Wizard(minutes), new WizardAnswers());
        Assert.AreEqual(0.5, byTime.MaxMinutes);
        Assert.AreEqual(WizardAnswers.EpochsUnderTimeBudget, byTime.Epochs);
        StringAssert.Contains(minutes.Output, "Give a time above 0");
        Assert.AreEqual(TimeSpan.FromSeconds(30), TrainRunSetup.TrainerOptions(byTime.ToSettings(), NoData(), CancellationToken.None).TimeLimit);
    }

    [TestMethod]
    public void Equivalent_command_line_parses_with_the_real_train_settings_into_the_same_settings()
    {
        var answers = new WizardAnswers
        {
            Scenario = Scenario.Volumes, Frames = 6, Architecture = CnnArchitectures.Conv3d, DataDirectory = "/data/my mnist",
            TrainLimit = 3000, TestLimit = 500, Epochs = WizardAnswers.EpochsUnderTimeBudget, MaxMinutes = 1.5,
            Device = TrainDevice.Cuda, Out = "out dir/it's.zip",
        };
        var expected = answers.ToSettings();
        var parsed = ParseTrain(answers.CommandLineArguments());

        foreach (var property in typeof(TrainSettings).GetProperties().Where(p => p.CanRead && p.GetIndexParameters().Length == 0))
            Assert.AreEqual(property.GetValue(expected), property.GetValue(parsed), $"TrainSettings.{property.Name}");
        Assert.AreEqual(6, parsed.Frames);
        Assert.AreEqual(1.5, parsed.MaxMinutes);
        Assert.AreEqual(TrainDevice.Cuda, parsed.Device);
        Assert.AreEqual("out dir/it's.zip", parsed.Out);

        // The printed line is what a shell splits back into those arguments (quotes around the spaces and the apostrophe).
        var line = answers.CommandLine();
        StringAssert.StartsWith(line, "cnnml train --arch conv3d --epochs 100 --max-minutes 1.5 --frames 6 ");
        CollectionAssert.AreEqual(answers.CommandLineArguments().ToArray(), ShellSplit(line["cnnml ".Length..]));
    }

    [TestMethod]
    public void Equivalent_command_line_of_an_image_folder_run_has_images_and_input_and_parses_into_the_same_settings()
    {
        var answers = new WizardAnswers
        {
            Images = "/photos/my pets", Input = "3x32x32", ImageFolderTrainImages = 800, Classes = 2, Architecture = CnnArchitectures.MnistCnn,
            Epochs = 2, Out = "pets.zip",
        };
        var expected = answers.ToSettings();
        var parsed = ParseTrain(answers.CommandLineArguments());

        foreach (var property in typeof(TrainSettings).GetProperties().Where(p => p.CanRead && p.GetIndexParameters().Length == 0))
            Assert.AreEqual(property.GetValue(expected), property.GetValue(parsed), $"TrainSettings.{property.Name}");
        Assert.AreEqual("/photos/my pets", parsed.Images);
        Assert.AreEqual(new ImageShape(3, 32, 32), parsed.InputShape);
        Assert.IsNull(parsed.Data);
        // 800 training images, 64 per batch: 13 batches an epoch, progress every batch.
        Assert.AreEqual("cnnml train --arch mnist-cnn --epochs 2 --images '/photos/my pets' --input 3x32x32 --report-every 1 --out pets.zip", answers.CommandLine());
        Assert.IsTrue(parsed.Validate().Successful, "train's own option check accepts the line");
    }

    [TestMethod]
    public void Guided_mode_prompts_only_with_a_terminal_and_not_in_CI()
    {
        Assert.IsTrue(GuidedMode.CanPrompt(inputRedirected: false, outputRedirected: false, ciVariable: null));
        Assert.IsTrue(GuidedMode.CanPrompt(false, false, "false"));
        Assert.IsFalse(GuidedMode.CanPrompt(false, false, "true"));
        Assert.IsFalse(GuidedMode.CanPrompt(false, false, "TRUE"));
        Assert.IsFalse(GuidedMode.CanPrompt(inputRedirected: true, outputRedirected: false, ciVariable: null));
        Assert.IsFalse(GuidedMode.CanPrompt(inputRedirected: false, outputRedirected: true, ciVariable: null));
    }

    // Data for the options that do not read it (the time limit): an empty MNIST-shaped view.
    private static PreparedData NoData()
    {
        var ml = new MLContext();
        var rows = ml.Data.LoadFromEnumerable(Array.Empty<NoRow>());
        var data = new TrainAndTestData { Train = rows, Test = rows, FeatureColumn = "Image", Shape = KnownInputs.Mnist, Description = [], Source = "no images" };
        return new PreparedData(data, null, rows, rows, 0, 0);
    }

    private sealed class NoRow
    {
        public float Image { get; set; }
    }

    /// <summary>Parses <paramref name="args"/> with Spectre.Console.Cli exactly as cnnml does (strict), into <see cref="TrainSettings"/>.</summary>
    internal static TrainSettings ParseTrain(IReadOnlyList<string> args)
    {
        CapturingTrainCommand.Captured = null;
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.UseStrictParsing();
            config.PropagateExceptions();
            config.AddCommand<CapturingTrainCommand>("train");
        });
        Assert.AreEqual(0, app.Run(args.ToArray()), string.Join(' ', args));
        return CapturingTrainCommand.Captured ?? throw new AssertFailedException("The train command did not run.");
    }

    // The shell's own word splitting, so the test does not trust a quoting rule of its own.
    private static string[] ShellSplit(string line)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"printf '%s\\0' {line}");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode);
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>A train command that keeps its parsed settings instead of training.</summary>
    internal sealed class CapturingTrainCommand : Command<TrainSettings>
    {
        public static TrainSettings? Captured { get; set; }

        public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellation)
        {
            Captured = settings;
            return 0;
        }
    }
}
