using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;

namespace CnnMl.Tests.Support;

/// <summary>
/// ONNX Runtime's process-wide environment, created once with a logging function that records every message at
/// WARNING or above, so that tests can assert that loading a model logged nothing. ONNX Runtime has one
/// environment per process and takes the logging function only when it is created: <see cref="Install"/> runs
/// from the assembly initializer, before any test (or ML.NET's OnnxTransformer) touches ONNX Runtime.
/// </summary>
internal static class OnnxRuntimeLog
{
    /// <summary>One logged message.</summary>
    public sealed record Message(OrtLoggingLevel Severity, string Category, string LogId, string CodeLocation, string Text)
    {
        /// <inheritdoc />
        public override string ToString() => $"[{Severity}] {LogId} {Category} {CodeLocation}: {Text}";
    }

    private static readonly ConcurrentQueue<Message> Messages = new();
    // Held for the life of the process: ONNX Runtime calls it from native code.
    private static readonly DOrtLoggingFunction Callback = (_, severity, category, logId, codeLocation, message) =>
        Messages.Enqueue(new Message(severity, category, logId, codeLocation, message));
    private static readonly object Gate = new();

    /// <summary>True when this class created the environment, so that warnings are captured.</summary>
    public static bool IsCapturing { get; private set; }

    /// <summary>Creates the environment with the capturing logger (once); false if someone else created it first.</summary>
    public static bool Install()
    {
        lock (Gate)
        {
            if (IsCapturing) return true;
            if (OrtEnv.IsCreated) return false;
            var options = new EnvironmentCreationOptions
            {
                logId = "CnnMl.Tests",
                logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
                loggingFunction = Callback,
            };
            OrtEnv.CreateInstanceWithOptions(ref options);
            IsCapturing = true;
            return true;
        }
    }

    /// <summary>Messages logged so far under <paramref name="logId"/> or by the environment itself (empty log id).</summary>
    public static IReadOnlyList<Message> For(string logId) =>
        Messages.Where(m => m.LogId == logId || string.IsNullOrEmpty(m.LogId)).ToArray();

    /// <summary>
    /// Session options that log at WARNING and above under a fresh log id (returned), on one intra-op thread
    /// (the test machine is small and shared).
    /// </summary>
    public static SessionOptions SessionOptions(out string logId)
    {
        if (!Install() && !IsCapturing)
            throw new InvalidOperationException("ONNX Runtime's environment was created before OnnxRuntimeLog.Install: its warnings cannot be captured.");
        logId = $"session-{Guid.NewGuid():N}";
        return new SessionOptions
        {
            LogId = logId,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
        };
    }
}
