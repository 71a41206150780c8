namespace CnnMl.Runtime;

/// <summary>
/// Turns libtorch's oneDNN switch off for as long as at least one layer asks for it (one layer's forward or
/// backward pass), and back to the state found when the first one asked once the last one is done; also runs the
/// oneDNN probe with the switch on while no layer holds it off.
/// </summary>
/// <remarks>
/// The switch (<c>at::globalContext().setUserEnabledMkldnn</c>) is one flag for the whole process and libtorch
/// reads it each time it picks a convolution kernel — in the forward pass and again when the autograd engine runs
/// the convolution's backward node. Counting holders (instead of each layer setting and resetting the flag) keeps
/// the flag off while any affected layer computes, even when two of them overlap (two <c>Fit</c> calls on two
/// threads). A convolution of another layer that runs during that time uses libtorch's native kernel: slower,
/// never wrong.
/// </remarks>
internal static class OneDnnLayerSwitch
{
    private static readonly object Gate = new();
    private static int _holders;
    private static bool _before;
    private static long _timesHeld;

    [ThreadStatic]
    private static int _heldByThisThread;

    /// <summary>Number of times a layer has held the switch off in this process (tests read the difference).</summary>
    public static long TimesHeld
    {
        get
        {
            lock (Gate) return _timesHeld;
        }
    }

    /// <summary>Layers holding the switch off right now.</summary>
    public static int Holders
    {
        get
        {
            lock (Gate) return _holders;
        }
    }

    /// <summary>Holds oneDNN off until the matching <see cref="Release"/>.</summary>
    public static void HoldOff()
    {
        lock (Gate)
        {
            if (_holders++ == 0)
            {
                _before = OneDnnConvolutions.Enabled ?? false;
                if (_before) OneDnnConvolutions.TrySet(false);
            }
            _timesHeld++;
            _heldByThisThread++;
        }
    }

    /// <summary>Lets go of one <see cref="HoldOff"/>; the last one restores the state found by the first.</summary>
    public static void Release()
    {
        lock (Gate)
        {
            if (_holders == 0 || _heldByThisThread == 0)
                throw new InvalidOperationException("OneDnnLayerSwitch.Release was called on a thread that holds nothing (more often than HoldOff).");
            _heldByThisThread--;
            if (--_holders == 0)
            {
                if (_before) OneDnnConvolutions.TrySet(true);
                Monitor.PulseAll(Gate);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="measure"/> with oneDNN on, once no layer on another thread holds it off; layers that ask
    /// meanwhile wait. Puts the previous state back afterwards. (Holds of the calling thread are not waited for: that
    /// thread is busy measuring, not computing a layer.)
    /// </summary>
    public static T WithOneDnnOn<T>(Func<T> measure)
    {
        lock (Gate)
        {
            while (_holders > _heldByThisThread) Monitor.Wait(Gate);
            var before = OneDnnConvolutions.Enabled ?? false;
            OneDnnConvolutions.TrySet(true);
            try
            {
                return measure();
            }
            finally
            {
                OneDnnConvolutions.TrySet(before);
            }
        }
    }
}
