namespace ControlTower.Server.Runs;

/// <summary>How busy this process's worker pool is: slots taken by running tasks out of the slots it has.</summary>
internal sealed class WorkerLoad
{
    private int _slots;
    private int _busy;

    public int Slots => Volatile.Read(ref _slots);

    public int Busy => Volatile.Read(ref _busy);

    /// <summary>Busy slots over slots; 0 for a process without a worker.</summary>
    public double Saturation => Slots == 0 ? 0 : (double)Busy / Slots;

    public void AddSlots(int slots) => Interlocked.Add(ref _slots, slots);

    public void Enter() => Interlocked.Increment(ref _busy);

    public void Leave() => Interlocked.Decrement(ref _busy);
}
