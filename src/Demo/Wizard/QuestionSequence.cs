using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// The questions asked before training, as a list of steps the user can walk back with Escape. Escape at a step's
/// first question returns to the previous step that asks something (the environment step asks nothing without CUDA);
/// Escape after one of a step's questions is answered starts that step again, with the answers it had (its
/// <see cref="WizardConsole.Progress"/>). Every step shows the answers given so far as its defaults, so going back and
/// pressing Enter keeps them. Escape at the first question asks whether to quit.
/// </summary>
internal sealed class QuestionSequence
{
    /// <summary>One step: asks its questions and returns the answers with its own set.</summary>
    public delegate WizardAnswers Step(WizardConsole wizard, WizardAnswers answers);

    private readonly WizardConsole _wizard;
    private readonly IReadOnlyList<Step> _steps;
    private readonly bool[] _asked;

    public QuestionSequence(WizardConsole wizard, IReadOnlyList<Step> steps)
    {
        if (steps.Count == 0) throw new ArgumentException("A question sequence needs at least one step.", nameof(steps));
        _wizard = wizard;
        _steps = steps;
        _asked = new bool[steps.Count];
    }

    /// <summary>The guided mode's questions: scenario, data, architecture, environment, budget, training controls.</summary>
    public static QuestionSequence GuidedMode(WizardConsole wizard, bool? cudaAvailable = null) => new(wizard,
    [
        ScenarioStep.Ask,
        DataStep.Ask,
        ArchitectureStep.Ask,
        (w, a) => EnvironmentStep.Ask(w, a, cudaAvailable),
        BudgetStep.Ask,
        ControlsStep.Ask,
    ]);

    /// <summary>The number of steps.</summary>
    public int Count => _steps.Count;

    /// <summary>
    /// Asks from step <paramref name="from"/> (0-based) to the last; returns the answers, or null when the user quit
    /// at the first question.
    /// </summary>
    public WizardAnswers? Run(WizardAnswers answers, int from = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(from, _steps.Count);
        var index = from;
        while (index < _steps.Count)
        {
            var answeredBefore = _wizard.Answered;
            _wizard.Progress = null;
            try
            {
                answers = _steps[index](_wizard, answers);
                _asked[index] = _wizard.Answered > answeredBefore;
                index++;
            }
            catch (StepBackException)
            {
                if (_wizard.Answered > answeredBefore)
                {
                    answers = _wizard.Progress ?? answers;
                    _wizard.Console.MarkupLine("[grey]Escape: this step again, from its first question.[/]");
                    continue;
                }
                var previous = index - 1;
                while (previous >= 0 && !_asked[previous]) previous--;
                if (previous >= 0)
                {
                    _wizard.Console.MarkupLine("[grey]Escape: back to the previous step; Enter keeps each earlier answer.[/]");
                    index = previous;
                }
                else if (ConfirmQuit())
                {
                    return null;
                }
            }
        }
        return answers;
    }

    // Enter quits; "n" (or Escape again) stays at the first question.
    private bool ConfirmQuit()
    {
        try
        {
            return _wizard.Ask(new ConfirmationPrompt("Quit the guided mode? Nothing has been trained.") { DefaultValue = true });
        }
        catch (StepBackException)
        {
            return false;
        }
    }
}
