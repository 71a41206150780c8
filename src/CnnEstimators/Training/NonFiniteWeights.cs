using static TorchSharp.torch;

namespace CnnMl.Training;

/// <summary>Finds a parameter holding NaN or ±Infinity (one device sync per parameter: for the end of training only).</summary>
internal static class NonFiniteWeights
{
    /// <summary>The name of the first parameter with a non-finite value, or null.</summary>
    public static string? FirstParameter(nn.Module module)
    {
        foreach (var (name, parameter) in module.named_parameters())
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            if (!parameter.isfinite().all().item<bool>()) return name;
        }
        return null;
    }
}
