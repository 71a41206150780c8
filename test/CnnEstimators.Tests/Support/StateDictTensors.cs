using CnnMl.Interop;
using static TorchSharp.torch;

namespace CnnMl.Tests.Support;

/// <summary>A weights file read with the library's reader (<c>.pt</c>/<c>.pth</c> or <c>.safetensors</c>), disposed with the test.</summary>
internal sealed class StateDictTensors(string path) : IDisposable
{
    public Dictionary<string, Tensor> Tensors { get; } = StateDictFile.Read(path);

    public void Dispose()
    {
        foreach (var tensor in Tensors.Values) tensor.Dispose();
    }
}
