using Microsoft.Extensions.Logging;

namespace CnnMl.Demo.Serving;

/// <summary>
/// The model being served, and its hot reload: a <see cref="FileSystemWatcher"/> on the model file's folder notices
/// the file being replaced (an atomic rename, as <c>SaveAtomically</c> and <c>cnnml train --out</c> do, or a write in
/// place); once the file has been quiet for <see cref="ServerOptions.ReloadSettleTime"/> it is loaded and checked in
/// full. A good file becomes the served version (requests already running finish on the old one, see
/// <see cref="ServedModel"/>); a damaged one is refused, logged, and the old version kept.
/// </summary>
internal sealed class ModelHost : IDisposable
{
    private readonly ServerOptions _options;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _settle;
    private readonly Lock _reloading = new();
    private ServedModel _current;
    private int _reloads;
    private int _refusedReloads;
    private bool _disposed;

    public ModelHost(ServerOptions options, ILogger<ModelHost> logger)
    {
        _options = options;
        _logger = logger;
        _current = ServedModel.Load(options.ModelPath, options.MaxConcurrentRequests);
        _settle = new Timer(_ => Reload());
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(options.ModelPath)!)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += OnFileEvent;
        _watcher.Created += OnFileEvent;
        _watcher.Renamed += OnFileEvent;
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Versions loaded after the first.</summary>
    public int Reloads => Volatile.Read(ref _reloads);

    /// <summary>Replacements refused (damaged or unusable files).</summary>
    public int RefusedReloads => Volatile.Read(ref _refusedReloads);

    /// <summary>The served version, for a reading that takes no lease (GET /model, /health).</summary>
    public ServedModel Current => Volatile.Read(ref _current);

    /// <summary>The served version, leased: call <see cref="ServedModel.Release"/> when the request is done with it.</summary>
    public ServedModel Acquire()
    {
        while (true)
        {
            var model = Volatile.Read(ref _current);
            if (model.TryAcquire()) return model;
        }
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        if (!string.Equals(e.FullPath, _options.ModelPath, StringComparison.Ordinal)) return;
        // Every event restarts the wait: a file being written is loaded once it has stopped changing.
        _settle.Change(_options.ReloadSettleTime, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Loads the file if it differs from the served version; keeps the served one if it cannot be used.</summary>
    internal void Reload()
    {
        lock (_reloading)
        {
            if (_disposed || !File.Exists(_options.ModelPath)) return;
            ServedModel loaded;
            try
            {
                loaded = ServedModel.Load(_options.ModelPath, _options.MaxConcurrentRequests);
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException or UnauthorizedAccessException)
            {
                Interlocked.Increment(ref _refusedReloads);
                _logger.LogWarning("The replaced model file was refused and version {Version} is still served: {Reason}", Current.Version, e.Message);
                return;
            }
            if (loaded.Version == Current.Version)
            {
                loaded.Release();
                return;
            }
            var old = Interlocked.Exchange(ref _current, loaded);
            Interlocked.Increment(ref _reloads);
            _logger.LogInformation("Model reloaded: version {Version} ({Architecture}, {Classes} classes) replaces {Old}; requests already running finish on {Old}.",
                loaded.Version, loaded.Description.Architecture, loaded.Classes.Count, old.Version, old.Version);
            old.Release();
        }
    }

    public void Dispose()
    {
        lock (_reloading)
        {
            if (_disposed) return;
            _disposed = true;
            _watcher.Dispose();
            _settle.Dispose();
            _current.Release();
        }
    }
}
