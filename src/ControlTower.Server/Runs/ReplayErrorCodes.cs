using ControlTower.Core.Errors;

namespace ControlTower.Server.Runs;

/// <summary>Stable codes of run replay (<c>POST /api/runs/{id}/replay</c> and the replayed run itself).</summary>
internal static class ReplayErrorCodes
{
    /// <summary>The source run has not finished; only a finished run can be replayed.</summary>
    [ErrorCode(ErrorKind.Conflict)]
    public const string SourceNotFinished = "replay.source_not_finished";

    /// <summary>The run asked about is not a replay.</summary>
    [ErrorCode(ErrorKind.NotFound)]
    public const string NotAReplay = "replay.not_a_replay";

    /// <summary>The replay reached a node attempt the source run never recorded; a replay never repeats a side effect. Not retryable.</summary>
    [ErrorCode(ErrorSurface.RunError)]
    public const string NoRecording = "replay.no_recording";
}
