namespace CnnMl.Tests.Support;

/// <summary>
/// Sets libtorch's intra-op thread count for the calling thread for a test's duration and restores it.
/// One-row forward passes are tiny: on this 2-core machine, shared with other jobs, a second OpenMP
/// thread that spins between them makes a thousand predictions take minutes instead of seconds.
/// </summary>
internal sealed class TorchThreads : IDisposable
{
    private readonly int _previous;

    private TorchThreads(int threads)
    {
        _previous = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(threads);
    }

    public static TorchThreads Use(int threads) => new(threads);

    public void Dispose() => TorchSharp.torch.set_num_threads(_previous);
}
