using static TorchSharp.torch;

namespace CnnMl.Abstractions;

/// <summary>
/// Implemented by a network that has a different, more efficient form for inference (CondenseNet's
/// condensed model). After the last epoch the trainer calls <see cref="ConvertForInference"/>, scores
/// with the returned module and disposes the training form.
/// </summary>
public interface IConvertibleAfterTraining
{
    /// <summary>
    /// Builds the inference form from the trained weights. The result must give the same outputs in
    /// eval mode (up to float rounding, or by design where the conversion prunes) and must not share
    /// tensors that the training form's disposal would free.
    /// </summary>
    nn.Module<Tensor, Tensor> ConvertForInference();
}
