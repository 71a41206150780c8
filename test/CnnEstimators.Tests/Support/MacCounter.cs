using CnnMl.Architectures;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CnnMl.Tests.Support;

/// <summary>
/// Counts multiply-accumulates of one forward pass with forward hooks: convolution = output elements ×
/// (Cin / groups) × kernel volume, linear = in × out. A <see cref="LearnedGroupConv"/> computes its masked 1×1
/// conv itself (its <c>conv</c> child never runs), so it counts as the full 1×1 conv: output elements × Cin.
/// The same convention as the Python hook script used for the CondenseNet reference numbers.
/// </summary>
internal static class MacCounter
{
    public static long Count(nn.Module<Tensor, Tensor> model, ImageShape input)
    {
        long total = 0;
        var removers = new List<Action>();
        foreach (var module in model.modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    removers.Add(conv.register_forward_hook((m, _, y) =>
                    {
                        var c = (Conv2d)m;
                        total += y.numel() * (c.in_channels / c.groups) * c.kernel_size.Aggregate(1L, (a, b) => a * b);
                        return y;
                    }).remove);
                    break;
                case Linear linear:
                    removers.Add(linear.register_forward_hook((m, _, y) =>
                    {
                        var w = ((Linear)m).weight;
                        total += w.shape[0] * w.shape[1];
                        return y;
                    }).remove);
                    break;
                case LearnedGroupConv learned:
                    removers.Add(learned.register_forward_hook((m, _, y) =>
                    {
                        total += y.numel() * ((LearnedGroupConv)m).InChannels;
                        return y;
                    }).remove);
                    break;
            }
        }
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var wasTraining = model.training;
            model.eval();
            model.call(zeros(input.WithBatch(1)));
            if (wasTraining) model.train();
        }
        finally
        {
            foreach (var remove in removers) remove();
        }
        return total;
    }
}
