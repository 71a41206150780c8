using static TorchSharp.torch;

namespace CnnMl.Abstractions;

/// <summary>
/// Implemented by a module whose own computation the built-in rules of <see cref="Inspection.MacCounter"/> cannot see:
/// one that multiplies with its weights through functional calls (a masked or condensed convolution, an
/// attention product) instead of through child <c>Conv</c>/<c>Linear</c> modules.
/// </summary>
/// <remarks>
/// Report only the work done outside child modules: each child reports its own multiply-accumulates in its
/// own summary row, and the model total is the sum over rows.
/// </remarks>
public interface ICountsOwnMacs
{
    /// <summary>
    /// Multiply-accumulate operations of one call of this module on <paramref name="input"/> that produced
    /// <paramref name="output"/> (both include the batch dimension), not counting child modules.
    /// </summary>
    long CountOwnMacs(Tensor input, Tensor output);
}
