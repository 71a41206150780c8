using static TorchSharp.torch;

namespace CnnMl.Interop;

/// <summary>
/// A module's parameters and persistent buffers in the order PyTorch's <c>state_dict()</c> lists them: depth-first,
/// each module's own parameters, then its own buffers, then its children. TorchSharp's own <c>state_dict()</c> has
/// the same names but lists all parameters before all buffers; files written in PyTorch's order read the same in
/// both worlds, and compare line by line with a <c>state_dict</c> printed by PyTorch.
/// </summary>
internal static class StateDictOrder
{
    /// <summary>Every (name, tensor) of <paramref name="module"/>'s state dict, in PyTorch's order.</summary>
    public static List<(string Name, Tensor Tensor)> Entries(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var entries = new List<(string, Tensor)>();
        Visit(module, "", entries);
        return entries;
    }

    private static void Visit(nn.Module module, string prefix, List<(string, Tensor)> entries)
    {
        foreach (var (name, parameter) in module.named_parameters(recurse: false)) entries.Add((prefix + name, parameter));
        foreach (var (name, buffer) in module.named_buffers(recurse: false)) entries.Add((prefix + name, buffer));
        foreach (var (name, child) in module.named_children()) Visit(child, prefix + name + ".", entries);
    }
}
