namespace CnnMl.Persistence;

/// <summary>
/// Sizes a checkpoint may declare, checked before anything of that size is allocated or read, so that a
/// damaged or hostile file ends in <see cref="InvalidDataException"/> instead of exhausting memory.
/// docs/checkpoint-format.md lists the same numbers.
/// </summary>
internal static class CheckpointLimits
{
    /// <summary>The whole file (the largest registry network with its optimizer state stays far below).</summary>
    public const long MaxFileBytes = 16L << 30;

    /// <summary>checkpoint.json, optimizer.json and training.json.</summary>
    public const long MaxSmallJsonBytes = 1 << 20;

    /// <summary>definition.json, which holds one name per class.</summary>
    public const long MaxDefinitionJsonBytes = 16 << 20;

    /// <summary>One safetensors entry (header and data).</summary>
    public const long MaxTensorEntryBytes = 8L << 30;

    /// <summary>The JSON header of a safetensors entry.</summary>
    public const long MaxSafetensorsHeaderBytes = 16 << 20;

    /// <summary>Dimensions of one tensor in a safetensors header.</summary>
    public const int MaxTensorRank = 8;

    /// <summary>Characters of a tensor or class name.</summary>
    public const int MaxNameLength = 1024;

    /// <summary>Nesting of any JSON document (the deepest legitimate one has 4 levels).</summary>
    public const int MaxJsonDepth = 8;

    /// <summary>Classes of a definition (ImageNet-21k has 21,841).</summary>
    public const int MaxClasses = 100_000;

    /// <summary>Dimensions of an image shape: channels plus one to three spatial sizes.</summary>
    public const int MaxImageRank = 4;

    /// <summary>One dimension of an image shape.</summary>
    public const long MaxImageDimension = 8192;

    /// <summary>Values of one example (3×2048×2048 fits).</summary>
    public const long MaxImageElements = 1L << 24;
}
