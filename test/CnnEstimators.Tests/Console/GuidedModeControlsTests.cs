using CnnMl.Demo.Commands.Train;
using CnnMl.Demo.Wizard;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// The guided mode's training controls (issue 22 §1): Enter keeps train's defaults; choosing asks the optimizer,
/// momentum, rate, schedule, warm-up, augmentation, early stopping and label smoothing, refuses what train refuses,
/// and the equivalent command line carries every choice and parses into the same settings.
/// </summary>
[TestClass]
[DoNotParallelize] // as the other guided-mode tests
public sealed class GuidedModeControlsTests
{
    [TestMethod]
    public void Enter_keeps_the_defaults_and_adds_nothing_to_the_command_line()
    {
        var console = GuidedModeStepTests.NewConsole();
        console.Input.PushKey(ConsoleKey.Enter);
        var before = new WizardAnswers { Epochs = 3 };
        var after = ControlsStep.Ask(new WizardConsole(console, CancellationToken.None), before);
        Assert.AreEqual(before, after);
        Assert.AreEqual("cnnml train --arch mnist-cnn --epochs 3 --report-every 46", after.CommandLine());
    }

    [TestMethod]
    public void Chosen_controls_are_checked_and_reach_the_equivalent_command_line()
    {
        var console = GuidedModeStepTests.NewConsole();
        console.Input.PushKey(ConsoleKey.DownArrow);       // choose the controls
        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushKey(ConsoleKey.DownArrow);       // optimizer: sgd
        console.Input.PushKey(ConsoleKey.DownArrow);
        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushTextWithEnter("1");              //   momentum 1: refused
        console.Input.PushTextWithEnter("0.9");
        console.Input.PushKey(ConsoleKey.Enter);           // learning rate: sgd's default 0.01
        console.Input.PushKey(ConsoleKey.DownArrow);       // schedule: cosine
        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushTextWithEnter("3");              // warm-up 3 of 3 epochs: refused
        console.Input.PushTextWithEnter("1");
        console.Input.PushKey(ConsoleKey.Spacebar);        // augmentation: crop and affine
        console.Input.PushKey(ConsoleKey.DownArrow);
        console.Input.PushKey(ConsoleKey.DownArrow);
        console.Input.PushKey(ConsoleKey.Spacebar);
        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushTextWithEnter("2");              // early stopping after 2 epochs
        console.Input.PushTextWithEnter("0.1");            // label smoothing

        var answers = ControlsStep.Ask(new WizardConsole(console, CancellationToken.None), new WizardAnswers { Epochs = 3 });

        StringAssert.Contains(console.Output, "Give a momentum in [0, 1), e.g. 0.9.");
        StringAssert.Contains(console.Output, "Give 0 or more epochs, fewer than the 3 to train.");
        Assert.AreEqual("cnnml train --arch mnist-cnn --epochs 3 --report-every 46 --optimizer sgd --momentum 0.9 --lr 0.01 --schedule cosine " +
                        "--warmup-epochs 1 --augment crop,affine --early-stopping 2 --label-smoothing 0.1", answers.CommandLine());
        var expected = answers.ToSettings();
        var parsed = GuidedModeStepTests.ParseTrain(answers.CommandLineArguments());
        foreach (var property in typeof(TrainSettings).GetProperties().Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.PropertyType.IsValueType || p.PropertyType == typeof(string)))
            Assert.AreEqual(property.GetValue(expected), property.GetValue(parsed), $"TrainSettings.{property.Name}");
        Assert.IsTrue(parsed.Validate().Successful, "train's own check accepts the line");
    }
}
