using System.Runtime.InteropServices;

namespace CnnMl.Demo.Cli;

/// <summary>
/// Ctrl+C (SIGINT) as a <see cref="CancellationToken"/>: the first one cancels the running command, which stops
/// at its next check (training checks before every batch) and leaves no partial output; a second one ends the
/// process at once, as a user pressing it again expects.
/// </summary>
internal sealed class InterruptSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _registration;

    /// <summary>Starts listening for SIGINT.</summary>
    public InterruptSignal()
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            if (_source.IsCancellationRequested) return; // the second Ctrl+C: let the runtime end the process
            context.Cancel = true;
            _source.Cancel();
        });
    }

    /// <summary>Canceled by the first SIGINT.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>True once SIGINT has arrived.</summary>
    public bool Interrupted => _source.IsCancellationRequested;

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        _registration.Dispose();
        _source.Dispose();
    }
}
