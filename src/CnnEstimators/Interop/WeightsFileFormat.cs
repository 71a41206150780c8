namespace CnnMl.Interop;

/// <summary>The two weight-file formats CnnMl reads and writes.</summary>
internal enum WeightsFileFormat
{
    /// <summary>
    /// PyTorch's <c>torch.save(model.state_dict(), path)</c> format (a zip archive holding a pickle and the raw
    /// tensors; extensions <c>.pt</c>, <c>.pth</c>, <c>.bin</c>), read and written through TorchSharp.PyBridge.
    /// </summary>
    PyTorch,

    /// <summary>safetensors (<c>.safetensors</c>): a JSON header and raw tensors, no code.</summary>
    Safetensors,
}
