using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// The console the wizard asks on, with the run's <see cref="CancellationToken"/>: the first Ctrl+C ends a waiting
/// prompt as it ends training, instead of being swallowed while a prompt reads keys. Escape at any prompt throws
/// <see cref="StepBackException"/>: the caller goes back a step.
/// </summary>
internal sealed class WizardConsole(IAnsiConsole console, CancellationToken cancellation)
{
    /// <summary>Where the wizard writes and reads.</summary>
    public IAnsiConsole Console { get; } = console;

    /// <summary>Canceled by Ctrl+C.</summary>
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>
    /// The answers of the step in progress as far as they are given: a step of several questions records each answer
    /// here, so that Escape after it starts the step again with it as the default (<see cref="QuestionSequence"/>).
    /// </summary>
    public WizardAnswers? Progress { get; set; }

    /// <summary>How many questions have been answered so far (Escape answers none): tells a step whether it asked anything.</summary>
    public int Answered { get; private set; }

    /// <summary>
    /// Shows a list and returns the choice; Escape clears the list (Spectre.Console's own cancel) and throws
    /// <see cref="StepBackException"/>.
    /// </summary>
    public T Ask<T>(SelectionPrompt<T> prompt)
        where T : notnull
    {
        prompt.CancelResult = () => throw new StepBackException();
        return Show(prompt, Console);
    }

    /// <summary>As <see cref="Ask{T}(SelectionPrompt{T})"/>, for a list of toggles.</summary>
    public List<T> Ask<T>(MultiSelectionPrompt<T> prompt)
        where T : notnull
    {
        prompt.CancelResult = () => throw new StepBackException();
        return Show(prompt, Console);
    }

    /// <summary>
    /// Shows a text prompt (or a yes/no question) and returns the answer; throws <see cref="OperationCanceledException"/>
    /// on Ctrl+C and <see cref="StepBackException"/> on Escape (after ending the prompt's line).
    /// </summary>
    public T Ask<T>(IPrompt<T> prompt)
    {
        try
        {
            return Show(prompt, new EscapeKeyConsole(Console));
        }
        catch (StepBackException)
        {
            Console.WriteLine();
            throw;
        }
    }

    /// <summary>A step's heading: "2/10 Data".</summary>
    public void Step(int number, string title) =>
        Console.Write(new Rule($"[bold]{number}/{GuidedRun.StepCount}[/] {Markup.Escape(title)}").LeftJustified().RuleStyle("blue"));

    private T Show<T>(IPrompt<T> prompt, IAnsiConsole on)
    {
        Cancellation.ThrowIfCancellationRequested();
        var answer = prompt.ShowAsync(on, Cancellation).GetAwaiter().GetResult();
        Answered++;
        return answer;
    }
}
