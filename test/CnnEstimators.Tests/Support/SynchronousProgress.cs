namespace CnnMl.Tests.Support;

/// <summary>Runs the callback on the reporting thread, synchronously (<c>Progress&lt;T&gt;</c> would post it elsewhere).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
