using TorchSharp;

namespace CnnMl.Runtime;

/// <summary>
/// Sets libtorch's intra-op thread count for the calling thread while the scope is open and puts the
/// thread's previous count back when it is disposed (on the same thread).
/// </summary>
/// <remarks>
/// <para>
/// Why a per-thread scope and not a process-wide lock: in libtorch 2.10 (OpenMP build, MKL linked
/// statically) <c>torch.set_num_threads</c> sets OpenMP's <c>nthreads</c> variable and MKL's thread-local
/// count of the calling thread only (<c>omp_set_num_threads</c>, <c>mkl_set_num_threads_local</c>), plus a
/// process-wide default that a thread picks up the first time it calls into libtorch. Measured here: after
/// thread A set 1, a thread B that had already used libtorch still read 2 from <c>get_num_threads</c>, and a
/// new thread read 1. So two <c>Fit</c> calls on two threads each get exactly the count they asked for, at the
/// same time, without waiting for each other; only threads that have never touched libtorch are affected, and
/// only in their default.
/// </para>
/// <para>
/// A count of null leaves the thread as it is. Setting is skipped when the thread already has the count, so
/// a scope per scoring call costs one <c>get_num_threads</c> (well under a microsecond).
/// </para>
/// </remarks>
internal readonly struct ThreadCountScope : IDisposable
{
    private readonly int _restore;

    private ThreadCountScope(int restore) => _restore = restore;

    /// <summary>The calling thread's libtorch intra-op thread count.</summary>
    public static int Current
    {
        get
        {
            TorchRuntime.EnsureAvailable();
            return torch.get_num_threads();
        }
    }

    /// <summary>Sets <paramref name="threads"/> on the calling thread (null: no change) until the scope is disposed.</summary>
    public static ThreadCountScope Enter(int? threads)
    {
        if (threads is not { } wanted) return default;
        if (wanted < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "A thread count must be at least 1.");
        var before = Current;
        if (before == wanted) return default;
        torch.set_num_threads(wanted);
        return new ThreadCountScope(before);
    }

    /// <summary>Puts the thread's previous count back (nothing if the scope changed nothing).</summary>
    public void Dispose()
    {
        if (_restore > 0) torch.set_num_threads(_restore);
    }
}
