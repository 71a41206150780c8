using System.Security.Cryptography;
using System.Text;
using static TorchSharp.torch;

namespace CnnMl.Inspection;

/// <summary>
/// A SHA-256 of a module's state dict — every parameter and buffer, by name, shape and exact bytes — to check that
/// two trainings produced bit-identical networks (for example in two processes).
/// </summary>
public static class WeightsDigest
{
    /// <summary>Lower-case hex SHA-256 over each state-dict entry in order: its name, dtype, shape and raw bytes (CPU, contiguous).</summary>
    public static string Sha256(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in module.state_dict())
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}:{tensor.dtype}:[{string.Join(",", tensor.shape)}]\n"));
            var values = tensor.detach().cpu().contiguous();
            hash.AppendData(values.bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
