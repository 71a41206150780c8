using Spectre.Console;
using Spectre.Console.Rendering;

namespace CnnMl.Demo.Wizard;

/// <summary>
/// <paramref name="console"/> as a text prompt sees it, except that reading the Escape key throws
/// <see cref="StepBackException"/>. Spectre.Console's <see cref="TextPrompt{T}"/> (and <see cref="ConfirmationPrompt"/>,
/// a text prompt) ignore Escape; their selection lists report it through <c>CancelResult</c> instead
/// (<see cref="WizardConsole"/> uses that for them, so the list is cleared before going back).
/// </summary>
internal sealed class EscapeKeyConsole(IAnsiConsole console) : IAnsiConsole
{
    private readonly EscapeKeyInput _input = new(console.Input);

    public Profile Profile => console.Profile;

    public IAnsiConsoleCursor Cursor => console.Cursor;

    public IAnsiConsoleInput Input => _input;

    public IExclusivityMode ExclusivityMode => console.ExclusivityMode;

    public RenderPipeline Pipeline => console.Pipeline;

    public void Clear(bool home) => console.Clear(home);

    public void Write(IRenderable renderable) => console.Write(renderable);

    public void WriteAnsi(Action<AnsiWriter> action) => console.WriteAnsi(action);

    /// <summary>The console's keys, with Escape turned into <see cref="StepBackException"/>.</summary>
    private sealed class EscapeKeyInput(IAnsiConsoleInput input) : IAnsiConsoleInput
    {
        public bool IsKeyAvailable() => input.IsKeyAvailable();

        public ConsoleKeyInfo? ReadKey(bool intercept) => Checked(input.ReadKey(intercept));

        public async Task<ConsoleKeyInfo?> ReadKeyAsync(bool intercept, CancellationToken cancellationToken) =>
            Checked(await input.ReadKeyAsync(intercept, cancellationToken).ConfigureAwait(false));

        private static ConsoleKeyInfo? Checked(ConsoleKeyInfo? key) =>
            key?.Key == ConsoleKey.Escape ? throw new StepBackException() : key;
    }
}
