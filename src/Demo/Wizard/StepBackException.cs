namespace CnnMl.Demo.Wizard;

/// <summary>
/// Escape was pressed at a question of the guided mode: the question is left unanswered and the wizard goes back
/// (<see cref="QuestionSequence"/> for the questions before training, <see cref="GuidedRun"/> for those after).
/// </summary>
internal sealed class StepBackException : Exception
{
    public StepBackException()
        : base("Escape: back to the previous step.")
    {
    }
}
