using System.Runtime.InteropServices;
using System.Text.Json;
using CnnMl.Architectures;
using CnnMl.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace CnnMl.Persistence;

/// <summary>
/// Writes and reads CnnMl checkpoints (docs/checkpoint-format.md): a sealed zip of JSON documents and
/// safetensors. Writing is atomic (<see cref="AtomicFile"/>). Reading validates everything before it trusts
/// anything, and builds the network from the registry to check the weights against.
/// </summary>
internal static class CnnCheckpoint
{
    private static readonly Dictionary<string, string> WeightsMetadata = new() { ["format"] = "pt" };

    private static readonly Lazy<int> GeneratorStateLength = new(() =>
    {
        using var state = torch.random.get_rng_state();
        return checked((int)state.NumberOfElements);
    });

    /// <summary>Writes a model checkpoint: manifest, definition, weights.</summary>
    public static void WriteModel(string path, DefinitionDocument definition, nn.Module<Tensor, Tensor> module, Func<Stream, Stream>? interpose = null)
    {
        Write(path, interpose, archive =>
        {
            archive.AddJson(CheckpointEntries.Manifest, ManifestDocument.Create(ManifestDocument.ModelKind));
            archive.AddJson(CheckpointEntries.Definition, definition);
            archive.AddTensors(CheckpointEntries.Weights, module.state_dict().ToList(), WeightsMetadata);
        });
    }

    /// <summary>
    /// Writes a training checkpoint: the model entries plus the optimizer's name, settings and state (<paramref name="optimizer"/>,
    /// created by <paramref name="settings"/>) and the training progress.
    /// </summary>
    public static void WriteTraining(string path, DefinitionDocument definition, nn.Module<Tensor, Tensor> module,
        CnnOptimizer settings, optim.Optimizer optimizer, TrainingDocument training, Func<Stream, Stream>? interpose = null)
    {
        var names = module.named_parameters().Select(p => p.name).ToArray();
        var (document, state) = CheckpointOptimizerState.Describe(settings, optimizer, names);
        Write(path, interpose, archive =>
        {
            archive.AddJson(CheckpointEntries.Manifest, ManifestDocument.Create(ManifestDocument.TrainingKind));
            archive.AddJson(CheckpointEntries.Definition, definition);
            archive.AddTensors(CheckpointEntries.Weights, module.state_dict().ToList(), WeightsMetadata);
            archive.AddJson(CheckpointEntries.OptimizerSettings, document);
            archive.AddTensors(CheckpointEntries.OptimizerState, state);
            archive.AddJson(CheckpointEntries.Training, training);
        });
    }

    /// <summary>Writes a sealed archive atomically; <paramref name="interpose"/> (tests) wraps the file stream.</summary>
    private static void Write(string path, Func<Stream, Stream>? interpose, Action<CheckpointArchiveWriter> addEntries) =>
        AtomicFile.Write(path, file =>
        {
            var stream = interpose?.Invoke(file) ?? file;
            var archive = new CheckpointArchiveWriter(stream);
            addEntries(archive);
            archive.Finish();
            stream.Flush();
        });

    /// <summary>The current libtorch CPU generator state, base64, for <see cref="TrainingDocument.TorchGeneratorState"/>.</summary>
    public static string CurrentGeneratorState()
    {
        using var state = torch.random.get_rng_state();
        return Convert.ToBase64String(state.bytes);
    }

    /// <summary>Reads and validates a checkpoint of either kind.</summary>
    /// <exception cref="InvalidDataException">Any defect; the message names the file and the defect.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened for reading.</exception>
    public static CheckpointContents Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        using var file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return Read(file, full);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or EndOfStreamException)
        {
            throw new InvalidDataException($"Checkpoint '{full}' cannot be loaded: {e.Message}", e);
        }
    }

    private static CheckpointContents Read(FileStream file, string path)
    {
        using var archive = CheckpointArchiveReader.Open(file);
        var manifest = ManifestDocument.Read(archive.ReadAll(CheckpointEntries.Manifest));
        CheckEntrySet(archive, manifest);
        var training = manifest.Kind == ManifestDocument.TrainingKind;

        var definition = CheckpointJson.Deserialize<DefinitionDocument>(archive.ReadAll(CheckpointEntries.Definition), CheckpointEntries.Definition);
        definition.Validate();
        if (training && definition.ConvertedForInference)
            throw new InvalidDataException($"{CheckpointEntries.Definition} says convertedForInference, but training checkpoints hold the training form.");

        TrainingDocument? progress = null;
        OptimizerDocument? settings = null;
        byte[]? generator = null;
        if (training)
        {
            progress = CheckpointJson.Deserialize<TrainingDocument>(archive.ReadAll(CheckpointEntries.Training), CheckpointEntries.Training);
            generator = progress.Validate(GeneratorStateLength.Value);
            settings = CheckpointJson.Deserialize<OptimizerDocument>(archive.ReadAll(CheckpointEntries.OptimizerSettings), CheckpointEntries.OptimizerSettings);
        }

        // The weights header is checked against the entry before the network is built.
        using var weights = archive.OpenEntry(CheckpointEntries.Weights, out var weightsLength);
        var weightsHeader = SafetensorsReader.ReadHeader(weights, weightsLength, CheckpointEntries.Weights);
        var module = Build(definition);
        CheckpointOptimizerState? optimizer = null;
        try
        {
            SafetensorsReader.ReadInto(weights, weightsHeader, module.state_dict(), CheckpointEntries.Weights);
            weights.EnsureEnded();
            if (settings is not null)
            {
                var parameters = module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
                var optimizerSettings = settings.Validate(parameters.Select(p => p.name).ToArray(), progress!.StepsCompleted);
                if (optimizerSettings.LearningRate != progress.LearningRate)
                    throw new InvalidDataException($"{CheckpointEntries.OptimizerSettings} has learningRate {optimizerSettings.LearningRate}; {CheckpointEntries.Training} has {progress.LearningRate}.");
                optimizer = CheckpointOptimizerState.Allocate(settings, optimizerSettings, parameters);
                using var state = archive.OpenEntry(CheckpointEntries.OptimizerState, out var stateLength);
                var stateHeader = SafetensorsReader.ReadHeader(state, stateLength, CheckpointEntries.OptimizerState);
                SafetensorsReader.ReadInto(state, stateHeader, optimizer.Tensors, CheckpointEntries.OptimizerState);
                state.EnsureEnded();
            }
            CheckRuns(module, definition);
            return new CheckpointContents(path, definition, module, optimizer, progress, generator);
        }
        catch
        {
            optimizer?.Dispose();
            module.Dispose();
            throw;
        }
    }

    private static void CheckEntrySet(CheckpointArchiveReader archive, ManifestDocument manifest)
    {
        var expected = manifest.Entries;
        var missing = expected.Where(e => !archive.Contains(e)).ToArray();
        if (missing.Length > 0)
            throw new InvalidDataException($"the archive lacks {string.Join(", ", missing)}; a {manifest.Kind} checkpoint holds {string.Join(", ", expected)}.");
        var extra = archive.Names.Where(n => !expected.Contains(n)).ToArray();
        if (extra.Length > 0)
            throw new InvalidDataException($"the archive holds {string.Join(", ", extra)}, which a {manifest.Kind} checkpoint does not have (it holds {string.Join(", ", expected)}).");
    }

    /// <summary>
    /// A fresh network for <paramref name="definition"/>, in its inference form if the definition says so. The
    /// global generator is put back afterwards: loading must not change the caller's random stream.
    /// </summary>
    private static nn.Module<Tensor, Tensor> Build(DefinitionDocument definition)
    {
        var architecture = CnnArchitectures.Get(definition.Architecture);
        using var generator = torch.random.get_rng_state().DetachFromDisposeScope();
        nn.Module<Tensor, Tensor> module;
        try
        {
            module = architecture.Create(definition.Shape, definition.ClassCount);
        }
        catch (Exception e) when (e is ArgumentException or ExternalException)
        {
            throw new InvalidDataException($"{CheckpointEntries.Definition}: '{architecture.Name}' cannot be built for input {definition.Shape} and {definition.ClassCount} classes ({e.Message}).", e);
        }
        finally
        {
            torch.random.set_rng_state(generator);
        }
        if (!definition.ConvertedForInference) return module;
        if (module is not IConvertibleAfterTraining convertible)
        {
            module.Dispose();
            throw new InvalidDataException($"{CheckpointEntries.Definition} says convertedForInference, but '{architecture.Name}' has no inference form.");
        }
        var inference = convertible.ConvertForInference();
        if (!ReferenceEquals(inference, module)) module.Dispose();
        return inference;
    }

    /// <summary>One forward pass on zeros: index buffers out of range and similar damage show up here, not when scoring.</summary>
    private static void CheckRuns(nn.Module<Tensor, Tensor> module, DefinitionDocument definition)
    {
        module.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var output = module.call(zeros(definition.Shape.WithBatch(1)));
            if (output.ndim != 2 || output.shape[0] != 1 || output.shape[1] != definition.ClassCount)
                throw new InvalidDataException($"the network returns shape {SafetensorsTensorInfo.FormatShape(output.shape)} for one example; expected [1, {definition.ClassCount}].");
        }
        catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"the network does not run with these weights ({e.Message}).", e);
        }
    }
}
