using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>A copy of a module's parameters and buffers (its state dict), to put back later.</summary>
internal sealed class WeightSnapshot : IDisposable
{
    private readonly Dictionary<string, Tensor> _values;

    private WeightSnapshot(Dictionary<string, Tensor> values) => _values = values;

    /// <summary>Copies every entry of <paramref name="module"/>'s state dict (on its device).</summary>
    public static WeightSnapshot Take(nn.Module module)
    {
        using var _ = no_grad();
        var values = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in module.state_dict()) values[name] = tensor.detach().clone().DetachFromDisposeScope();
        return new WeightSnapshot(values);
    }

    /// <summary>Copies the saved values back into <paramref name="module"/>'s tensors, in place.</summary>
    public void Restore(nn.Module module)
    {
        using var _ = no_grad();
        foreach (var (name, tensor) in module.state_dict()) tensor.copy_(_values[name]);
    }

    /// <summary>Frees the copies.</summary>
    public void Dispose()
    {
        foreach (var tensor in _values.Values) tensor.Dispose();
        _values.Clear();
    }
}
