using System.Text.RegularExpressions;
using CnnMl.Architectures;
using CnnMl.Demo.Cli;
using CnnMl.Demo.Wizard;
using CnnMl.Tests.Support;
using Spectre.Console;
using Spectre.Console.Testing;

namespace CnnMl.Tests.ConsoleApp;

/// <summary>
/// Escape in the guided mode (issue 22 §5): it goes back a step with the earlier answers as defaults, a changed answer
/// reaches the equivalent command line, Escape after one of a step's answers starts that step again, a step that asks
/// nothing (no CUDA) is passed over, and Escape at the first question asks whether to quit. No training: the
/// questions before training run on their own (<see cref="QuestionSequence"/>), or the user quits before them.
/// </summary>
[TestClass]
[DoNotParallelize] // as the other guided-mode tests
public sealed class GuidedModeEscapeTests
{
    [TestMethod]
    public void Escape_at_step_3_shows_step_2_again_with_its_answers_and_the_changed_answer_reaches_the_command_line()
    {
        var mnist = TestPaths.RequireMnist();
        var console = GuidedModeStepTests.NewConsole();
        console.Profile.Width = 250; // keep the echoed paths whole
        var keys = console.Input;
        keys.PushKey(ConsoleKey.DownArrow);   // 1 scenario: volumes (conv3d alone is measured at step 3: quick)
        keys.PushKey(ConsoleKey.Enter);
        keys.PushTextWithEnter("6");          // 2 frames
        keys.PushTextWithEnter(mnist);        //   MNIST folder
        keys.PushTextWithEnter("600");        //   training images
        keys.PushTextWithEnter("300");        //   test images
        keys.PushKey(ConsoleKey.Escape);      // 3 architecture: Escape, back to step 2
        keys.PushTextWithEnter("8");          // 2 frames: changed from 6
        keys.PushKey(ConsoleKey.Enter);       //   folder, training and test images: the earlier answers
        keys.PushKey(ConsoleKey.Enter);
        keys.PushKey(ConsoleKey.Enter);
        keys.PushKey(ConsoleKey.Enter);       // 3 architecture: conv3d
                                              // 4 environment: no CUDA, no question
        keys.PushKey(ConsoleKey.Enter);       // 5 budget: epochs
        keys.PushTextWithEnter("2");          //   2 epochs
        keys.PushKey(ConsoleKey.Escape);      //   training controls: Escape, back to the budget
        keys.PushKey(ConsoleKey.Escape);      // 5 budget's first question: Escape, back past step 4 (asked nothing) to step 3
        keys.PushKey(ConsoleKey.Enter);       // 3 architecture: conv3d, the earlier choice
        keys.PushKey(ConsoleKey.Enter);       // 5 budget: epochs, the earlier choice
        keys.PushKey(ConsoleKey.Enter);       //   epochs: 2, the earlier answer
        keys.PushKey(ConsoleKey.Enter);       //   training controls: the defaults

        var answers = QuestionSequence.GuidedMode(new WizardConsole(console, CancellationToken.None), cudaAvailable: false).Run(new WizardAnswers());
        var output = console.Output;

        Assert.IsNotNull(answers, output);
        Assert.AreEqual(8, answers.Frames, "the changed answer");
        Assert.AreEqual(600, answers.TrainLimit, "kept through Enter");
        Assert.AreEqual(300, answers.TestLimit, "kept through Enter");
        Assert.AreEqual(2, answers.Epochs, "kept through Enter");
        Assert.AreEqual(CnnArchitectures.Conv3d, answers.Architecture);
        Assert.IsFalse(keys.IsKeyAvailable(), "every key was read");
        // Step 2 asked again, each question showing the earlier answer as its default.
        StringAssert.Contains(output, "Frames per clip? (6): 8");
        StringAssert.Contains(output, $"MNIST folder? ({mnist}): {mnist}");
        StringAssert.Contains(output, "Training images? (fewer: a quicker, weaker model) (600): 600");
        StringAssert.Contains(output, "Test images? (300): 300");
        StringAssert.Contains(output, "Epochs? (2): 2");
        Assert.AreEqual(2, Count(output, "2/10 Data"));
        Assert.AreEqual(3, Count(output, "3/10 Architecture"));
        Assert.AreEqual(3, Count(output, "5/10 Budget"));
        Assert.AreEqual(3, Count(output, "Escape: back to the previous step"));

        var data = mnist == OutputFiles.MnistDirectory(null) ? "" : $" --data {mnist}";
        Assert.AreEqual($"cnnml train --arch conv3d --epochs 2 --frames 8{data} --train-limit 600 --test-limit 300 --report-every {answers.ReportEvery}", answers.CommandLine());
        var parsed = GuidedModeStepTests.ParseTrain(answers.CommandLineArguments());
        Assert.AreEqual(8, parsed.Frames);
        Assert.IsTrue(parsed.Validate().Successful, "train's own check accepts the line");
    }

    [TestMethod]
    public void Escape_after_one_of_a_steps_answers_starts_that_step_again_with_the_answers_given_and_drops_the_typed_text()
    {
        var mnist = TestPaths.RequireMnist();
        var console = GuidedModeStepTests.NewConsole();
        console.Profile.Width = 250;
        var keys = console.Input;
        keys.PushKey(ConsoleKey.Enter);       // 1 scenario: image classification
        keys.PushKey(ConsoleKey.Enter);       // 2 data: MNIST
        keys.PushTextWithEnter(mnist);
        keys.PushTextWithEnter("1000");
        keys.PushText("12");                  //   test images: "12" typed, then Escape
        keys.PushKey(ConsoleKey.Escape);
        keys.PushKey(ConsoleKey.Enter);       // 2 data again, from its first question: MNIST
        keys.PushKey(ConsoleKey.Enter);       //   folder and training images: the answers given before Escape
        keys.PushKey(ConsoleKey.Enter);
        keys.PushTextWithEnter("250");
        var wizard = new WizardConsole(console, CancellationToken.None);

        var answers = new QuestionSequence(wizard, [ScenarioStep.Ask, DataStep.Ask]).Run(new WizardAnswers());
        var output = console.Output;

        Assert.IsNotNull(answers, output);
        Assert.AreEqual(1000, answers.TrainLimit);
        Assert.AreEqual(250, answers.TestLimit, "the typed 12 was dropped with Escape");
        StringAssert.Contains(output, "Escape: this step again, from its first question.");
        StringAssert.Contains(output, $"MNIST folder? ({mnist}): {mnist}");
        StringAssert.Contains(output, "Training images? (fewer: a quicker, weaker model) (1000): 1000");
        StringAssert.Contains(output, "Test images? (10000): 250", "the typed 12 is not a default");
        Assert.AreEqual(1, Count(output, "1/10 Scenario"), "the scenario is not asked again");
        Assert.AreEqual(2, Count(output, "2/10 Data"));
        Assert.AreEqual(8, wizard.Answered, "the scenario, the source, folder and training images twice, the test images once (Escape answers none)");
    }

    [TestMethod]
    public void Escape_in_the_training_controls_starts_them_again_with_the_optimizer_and_momentum_given_and_sgds_rate()
    {
        var console = GuidedModeStepTests.NewConsole();
        var keys = console.Input;
        keys.PushKey(ConsoleKey.DownArrow);   // choose the controls
        keys.PushKey(ConsoleKey.Enter);
        keys.PushKey(ConsoleKey.DownArrow);   // sgd
        keys.PushKey(ConsoleKey.DownArrow);
        keys.PushKey(ConsoleKey.Enter);
        keys.PushTextWithEnter("0.8");        // momentum
        keys.PushText("0.05");                // learning rate: typed, then Escape
        keys.PushKey(ConsoleKey.Escape);
        for (var enter = 0; enter < 9; enter++) keys.PushKey(ConsoleKey.Enter); // again: every default, the earlier answers

        var answers = new QuestionSequence(new WizardConsole(console, CancellationToken.None), [ControlsStep.Ask]).Run(new WizardAnswers { Epochs = 3 });
        var output = console.Output;

        Assert.IsNotNull(answers, output);
        Assert.IsFalse(keys.IsKeyAvailable(), "every key was read");
        StringAssert.Contains(output, "Escape: this step again, from its first question.");
        StringAssert.Contains(output, "Momentum? (0.8): 0.8");
        StringAssert.Contains(output, "Learning rate? (cnnml lr-find suggests one) (0.01): 0.01", "sgd's own rate, not adam's, and not the typed 0.05");
        Assert.AreEqual(2, Count(output, "Training controls: chosen"), "'choose' is the default the second time");
        Assert.AreEqual("cnnml train --arch mnist-cnn --epochs 3 --report-every 46 --optimizer sgd --momentum 0.8 --lr 0.01", answers.CommandLine());
    }

    [TestMethod]
    public void Escape_at_the_first_question_asks_whether_to_quit_no_stays_and_yes_quits_with_exit_code_0()
    {
        var console = GuidedModeStepTests.NewConsole();
        console.Profile.Width = 250; // the opening line whole
        console.Input.PushKey(ConsoleKey.Escape);          // 1 scenario: Escape
        console.Input.PushTextWithEnter("n");              //   quit? no: the question again
        console.Input.PushKey(ConsoleKey.Escape);          // 1 scenario: Escape
        console.Input.PushKey(ConsoleKey.Escape);          //   quit? Escape: no, the question again
        console.Input.PushKey(ConsoleKey.Escape);          // 1 scenario: Escape
        console.Input.PushKey(ConsoleKey.Enter);           //   quit? Enter: yes

        var previous = AnsiConsole.Console;
        var exitCode = GuidedMode.Run(console, CancellationToken.None);
        var output = console.Output;

        Assert.AreEqual(ExitCodes.Success, exitCode, output);
        Assert.AreSame(previous, AnsiConsole.Console, "the process's console is put back");
        StringAssert.Contains(output, GuidedRun.Keys);
        Assert.AreEqual(3, Count(output, "Quit the guided mode? Nothing has been trained. [y/n] (y):"));
        Assert.AreEqual(3, Count(output, "1/10 Scenario"));
        StringAssert.Contains(output, "Quit: nothing was trained or saved.");
        Assert.IsFalse(output.Contains("2/10", StringComparison.Ordinal), output);
        Assert.IsFalse(console.Input.IsKeyAvailable(), "every key was read");
    }

    [TestMethod]
    public void Escape_key_console_turns_Escape_into_StepBackException_and_passes_other_keys_and_writes()
    {
        var console = GuidedModeStepTests.NewConsole();
        console.Input.PushKey(ConsoleKey.A);
        console.Input.PushKey(ConsoleKey.Escape);
        var escaping = new EscapeKeyConsole(console);

        Assert.AreEqual(ConsoleKey.A, escaping.Input.ReadKey(true)!.Value.Key);
        Assert.ThrowsExactly<StepBackException>(() => escaping.Input.ReadKey(true));
        escaping.Write(new Text("through"));
        Assert.AreEqual("through", console.Output);
        Assert.AreSame(console.Profile, escaping.Profile);
    }

    private static int Count(string text, string part) => Regex.Matches(text, Regex.Escape(part)).Count;
}
