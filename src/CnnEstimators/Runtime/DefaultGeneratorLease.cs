using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Runtime;

/// <summary>
/// Exclusive use of libtorch's default CPU random generator, which module constructors draw their initial
/// weights from and dropout layers draw their masks from. Seeding it and building a network happen under one
/// process-wide lock, so a <c>Fit</c> gets the weights its seed gives even while another <c>Fit</c> builds its own
/// network on another thread.
/// </summary>
/// <remarks>
/// The generator cannot be passed to TorchSharp's module constructors or to <c>Dropout</c>, so it cannot be made
/// private to one training run. A network that draws from it while training (any dropout layer, or RReLU) keeps
/// the lease until training ends (<see cref="KeepWhileTraining"/>), so such trainings run one at a time; networks
/// without such layers give the lease back as soon as they are built. Code outside CnnMl that draws from the
/// default generator during a <c>Fit</c> is not covered.
/// </remarks>
internal sealed class DefaultGeneratorLease : IDisposable
{
    private static readonly object Gate = new();
    private bool _held;

    private DefaultGeneratorLease() => _held = true;

    /// <summary>Takes the lock and seeds the default generator with <paramref name="seed"/>.</summary>
    public static DefaultGeneratorLease Seed(long seed, CancellationToken cancellation = default)
    {
        TorchRuntime.EnsureAvailable();
        while (!Monitor.TryEnter(Gate, TimeSpan.FromMilliseconds(100))) cancellation.ThrowIfCancellationRequested();
        try
        {
            torch.random.manual_seed(seed);
            return new DefaultGeneratorLease();
        }
        catch
        {
            Monitor.Exit(Gate);
            throw;
        }
    }

    /// <summary>
    /// Sets the default generator's state (a resumed run's) under the same lock, so it cannot land between another
    /// <c>Fit</c>'s seeding and its network's construction. Reentrant on a thread that holds the lease.
    /// </summary>
    public static void Restore(Tensor state)
    {
        lock (Gate) torch.random.set_rng_state(state);
    }

    /// <summary>True when the network's forward pass in training mode draws from the default generator.</summary>
    public static bool DrawsWhileTraining(nn.Module module) => module.modules().Prepend(module).Any(m =>
        m is Dropout or Dropout1d or Dropout2d or Dropout3d or AlphaDropout or FeatureAlphaDropout or RReLU);

    /// <summary>Keeps the lease until disposed if <paramref name="module"/> draws while training; gives it back now otherwise.</summary>
    public void KeepWhileTraining(nn.Module module)
    {
        if (!DrawsWhileTraining(module)) Dispose();
    }

    /// <summary>Releases the lock (on the thread that took it).</summary>
    public void Dispose()
    {
        if (!_held) return;
        _held = false;
        Monitor.Exit(Gate);
    }
}
