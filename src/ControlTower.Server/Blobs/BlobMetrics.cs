using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ControlTower.Server.Blobs;

/// <summary>Instruments of the meter "ControlTower.Blobs": bytes written to and read from the blob store, by backend.</summary>
internal sealed class BlobMetrics
{
    public const string MeterName = "ControlTower.Blobs";

    private readonly Counter<long> _stored;
    private readonly Counter<long> _loaded;

    public BlobMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _stored = meter.CreateCounter<long>("controltower.blobs.stored", "By", "Payload bytes written to the blob store instead of a row, by backend.");
        _loaded = meter.CreateCounter<long>("controltower.blobs.loaded", "By", "Blob bytes read back (activations, the API), by backend.");
    }

    public void Stored(string backend, long bytes) => _stored.Add(bytes, new TagList { { "backend", backend } });

    public void Loaded(string backend, long bytes) => _loaded.Add(bytes, new TagList { { "backend", backend } });
}
