using System.Diagnostics.Metrics;
using ControlTower.Core.Operations;
using ControlTower.Server.Runs;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Operations;

/// <summary>
/// The in-process side of the metrics summary: listens to the engine's own run instruments (the same measurements
/// the exporters see, not a second bookkeeping) and keeps them in one-minute slots for <c>OPS_ROLLING_HOURS</c>, with
/// an exponential-bucket histogram per slot, plus the queue samples, so any window's percentiles and series merge slots.
/// </summary>
internal sealed class RollingMetrics : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, Slot> _slots = [];
    private readonly TimeProvider _time;
    private readonly TimeSpan _keep;
    private readonly MeterListener _listener;

    public RollingMetrics(IMeterFactory meterFactory, IOptions<OperationsOptions> options, TimeProvider time)
    {
        _time = time;
        _keep = TimeSpan.FromHours(options.Value.RollingHours);
        _listener = new MeterListener
        {
            // Only this app's meters: another host in the same process (a test) has its own meter factory.
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EngineMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory)
                    && instrument.Name is EngineMetrics.RunDurationName or EngineMetrics.RunsStartedName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => OnRunFinished(value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => OnRunStarted(value));
        _listener.Start();
    }

    public void RecordQueue(int dueTasks, double saturation)
    {
        lock (_gate)
        {
            var slot = Current();
            slot.DueTasks = dueTasks;
            slot.Saturation = Math.Max(slot.Saturation, saturation);
        }
    }

    /// <summary>
    /// The <paramref name="minutes"/> one-minute slots up to and including the current one, merged <paramref name="stepMinutes"/>
    /// at a time into the points of the series, oldest first.
    /// </summary>
    public WindowFigures Read(DateTimeOffset to, int minutes, int stepMinutes)
    {
        var total = new SlotFigures();
        var points = new List<(DateTimeOffset At, SlotFigures Figures)>();
        var last = MinuteOf(to);
        var count = (minutes + stepMinutes - 1) / stepMinutes;
        lock (_gate)
        {
            for (var k = count; k > 0; k--)
            {
                var first = last - (k * stepMinutes) + 1;
                var point = new SlotFigures();
                foreach (var (_, slot) in _slots.Where(s => s.Key >= first && s.Key < first + stepMinutes))
                {
                    point.Add(slot);
                }

                total.Merge(point);
                points.Add((DateTimeOffset.FromUnixTimeSeconds(first * 60), point));
            }
        }

        return new WindowFigures(total, points);
    }

    public void Dispose() => _listener.Dispose();

    private void OnRunStarted(long value)
    {
        lock (_gate)
        {
            Current().Started += value;
        }
    }

    /// <summary>Failures by code come from the run table (<see cref="MetricsSummaryService"/>); the listener counts them by status.</summary>
    private void OnRunFinished(double milliseconds, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var failed = false;
        foreach (var tag in tags)
        {
            failed |= tag is { Key: "status", Value: "failed" };
        }

        lock (_gate)
        {
            var slot = Current();
            slot.Durations.Record(milliseconds);
            if (failed)
            {
                slot.Failed++;
            }
            else
            {
                slot.Completed++;
            }
        }
    }

    private Slot Current()
    {
        var minute = MinuteOf(_time.GetUtcNow());
        if (!_slots.TryGetValue(minute, out var slot))
        {
            slot = new Slot();
            _slots[minute] = slot;
            var oldest = minute - (long)_keep.TotalMinutes;
            foreach (var stale in _slots.Keys.TakeWhile(key => key < oldest).ToList())
            {
                _slots.Remove(stale);
            }
        }

        return slot;
    }

    private static long MinuteOf(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60;

    internal sealed class Slot
    {
        public LogHistogram Durations { get; } = new();

        public long Started { get; set; }

        public long Completed { get; set; }

        public long Failed { get; set; }

        public int? DueTasks { get; set; }

        public double Saturation { get; set; }
    }

    /// <summary>Slots merged: counts add, histograms merge, the queue keeps the latest depth and the highest saturation.</summary>
    internal sealed class SlotFigures
    {
        public LogHistogram Durations { get; } = new();

        public long Started { get; private set; }

        public long Completed { get; private set; }

        public long Failed { get; private set; }

        public int? DueTasks { get; private set; }

        public double Saturation { get; private set; }

        public void Add(Slot s)
        {
            Durations.Merge(s.Durations);
            (Started, Completed, Failed) = (Started + s.Started, Completed + s.Completed, Failed + s.Failed);
            DueTasks = s.DueTasks ?? DueTasks;
            Saturation = Math.Max(Saturation, s.Saturation);
        }

        public void Merge(SlotFigures other)
        {
            Durations.Merge(other.Durations);
            (Started, Completed, Failed) = (Started + other.Started, Completed + other.Completed, Failed + other.Failed);
            DueTasks = other.DueTasks ?? DueTasks;
            Saturation = Math.Max(Saturation, other.Saturation);
        }
    }
}

internal sealed record WindowFigures(RollingMetrics.SlotFigures Total, IReadOnlyList<(DateTimeOffset At, RollingMetrics.SlotFigures Figures)> Points);
