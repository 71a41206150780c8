using Spectre.Console;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// The console the wizard asks on, with the run's <see cref="CancellationToken"/>: the first Ctrl+C ends a waiting
/// prompt as it ends training, instead of being swallowed while a prompt reads keys.
/// </summary>
internal sealed class WizardConsole(IAnsiConsole console, CancellationToken cancellation)
{
    /// <summary>Where the wizard writes and reads.</summary>
    public IAnsiConsole Console { get; } = console;

    /// <summary>Canceled by Ctrl+C.</summary>
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>Shows <paramref name="prompt"/> and returns the answer; throws <see cref="OperationCanceledException"/> on Ctrl+C.</summary>
    public T Ask<T>(IPrompt<T> prompt)
    {
        Cancellation.ThrowIfCancellationRequested();
        return prompt.ShowAsync(Console, Cancellation).GetAwaiter().GetResult();
    }

    /// <summary>A step's heading: "2/10 Data".</summary>
    public void Step(int number, string title) =>
        Console.Write(new Rule($"[bold]{number}/{GuidedRun.StepCount}[/] {Markup.Escape(title)}").LeftJustified().RuleStyle("blue"));
}
