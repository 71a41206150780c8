namespace CnnMl.Training;

/// <summary>
/// An <see cref="IProgress{T}"/> that runs its callback on the reporting thread, at once. Use it for
/// <see cref="CnnTrainerOptions.Progress"/> when reports must arrive in order and before <c>Fit</c> returns:
/// <see cref="Progress{T}"/> posts each report to the synchronisation context or the thread pool instead.
/// </summary>
/// <typeparam name="T">The report type (<see cref="TrainingReport"/> for the trainer).</typeparam>
public sealed class SynchronousProgress<T> : IProgress<T>
{
    private readonly Action<T> _report;

    /// <summary>Creates the progress sink.</summary>
    /// <param name="report">Called with each report, on the thread that reports it.</param>
    public SynchronousProgress(Action<T> report)
    {
        ArgumentNullException.ThrowIfNull(report);
        _report = report;
    }

    /// <inheritdoc />
    public void Report(T value) => _report(value);
}
