using CnnMl.Onnx;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace CnnMl.Scoring;

/// <summary>
/// One-row scoring in ONNX Runtime (<see cref="OneRowScoring.OnnxRuntime"/>): the network is exported once, at the
/// first call, into an in-memory session; every call then wraps the caller's arrays as the session's input and
/// output (no copies, nothing allocated on the native side). For one image, libtorch's per-operator overhead
/// dominates and ONNX Runtime's fused graph is several times faster.
/// </summary>
/// <remarks>
/// The session is built from the weights at the first call: the transformer's network is fixed once trained.
/// <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue})"/>
/// is thread-safe, so engines on several threads share the one session.
/// </remarks>
internal sealed class OnnxRowScorer : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _module;
    private readonly ImageShape _shape;
    private readonly int _classes;
    private readonly int _threads;
    private readonly object _gate = new();
    private readonly OnnxExportOptions _export = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private InferenceSession? _session;
    private RunOptions? _run;
    private bool _built;
    private readonly Action<string>? _log;

    /// <param name="module">The network, in eval mode; the caller owns it and keeps it alive.</param>
    /// <param name="shape">One image's shape.</param>
    /// <param name="classes">Number of classes (the length of the probabilities).</param>
    /// <param name="threads">ONNX Runtime intra-op threads (ScoringOptions.NumberOfThreads, or 1 for one row).</param>
    /// <param name="log">Hears, once, which engine one-row passes use and why (the trainer's <c>MLContext.Log</c>), or null.</param>
    public OnnxRowScorer(nn.Module<Tensor, Tensor> module, ImageShape shape, int classes, int threads, Action<string>? log = null)
    {
        _log = log;
        _module = module;
        _shape = shape;
        _classes = classes;
        _threads = threads;
        _inputNames = [_export.InputName];
        _outputNames = [_export.ScoreOutputName];
    }

    /// <summary>
    /// Class probabilities of one image into <paramref name="probabilities"/>; false (nothing written) when the
    /// network cannot run in ONNX Runtime, so the caller scores it with libtorch. The caller holds the network alive.
    /// </summary>
    public bool TryScore(float[] features, float[] probabilities)
    {
        var session = Session();
        if (session is null) return false;
        using var input = OrtValue.CreateTensorValueFromMemory(features, [1, features.Length]);
        using var output = OrtValue.CreateTensorValueFromMemory(probabilities, [1, _classes]);
        session.Run(_run, _inputNames, [input], _outputNames, [output]);
        return true;
    }

    private InferenceSession? Session()
    {
        if (Volatile.Read(ref _built)) return _session;
        lock (_gate)
        {
            if (_built) return _session;
            try
            {
                byte[] model;
                using (NewDisposeScope())
                using (no_grad())
                {
                    model = OnnxModelExporter.ExportToBytes(_module, _shape, _export);
                }
                using var options = new SessionOptions
                {
                    IntraOpNumThreads = _threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                };
                _session = new InferenceSession(model, options);
                _run = new RunOptions();
                _log?.Invoke($"One-row scoring: the network's ONNX export ({model.Length:N0} bytes) in ONNX Runtime, {_threads} thread(s).");
            }
            catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or OnnxRuntimeException)
            {
                // No export for a layer (a custom module), or a graph ONNX Runtime refuses: libtorch scores instead.
                _log?.Invoke($"One-row scoring: libtorch, since the network cannot run in ONNX Runtime: {ex.Message}");
            }
            Volatile.Write(ref _built, true);
            return _session;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _session?.Dispose();
            _run?.Dispose();
            _session = null;
            _built = true;
        }
    }
}
