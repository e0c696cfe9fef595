namespace ControlTower.Core.Expressions;

/// <summary>
/// Compiled programs keyed by source text, least-recently-used eviction beyond <see cref="Capacity"/>.
/// Thread-safe; programs are immutable so a cached one may be evaluated concurrently. Failed compiles are not cached.
/// </summary>
public sealed class CelCompileCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<CelProgram>> _bySource = new(StringComparer.Ordinal);
    private readonly LinkedList<CelProgram> _recency = new();

    public CelCompileCache(int capacity = 1024, CelOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        Options = options ?? CelOptions.Default;
    }

    public int Capacity { get; }

    public CelOptions Options { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _bySource.Count;
            }
        }
    }

    /// <exception cref="CelException">the source does not compile.</exception>
    public CelProgram GetOrCompile(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        lock (_gate)
        {
            if (_bySource.TryGetValue(source, out var hit))
            {
                _recency.Remove(hit);
                _recency.AddFirst(hit);
                return hit.Value;
            }
        }

        // Compile outside the lock: a race compiles twice but both results are equal.
        var program = Cel.Compile(source, Options);
        lock (_gate)
        {
            if (_bySource.TryGetValue(source, out var existing))
            {
                return existing.Value;
            }

            var node = _recency.AddFirst(program);
            _bySource[source] = node;
            if (_bySource.Count > Capacity)
            {
                var oldest = _recency.Last!;
                _recency.RemoveLast();
                _bySource.Remove(oldest.Value.Source);
            }

            return program;
        }
    }
}
