using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ControlTower.Server.Tests.Infrastructure;

/// <summary>
/// Stops the app's first database command whose SQL matches, before or after it runs, until the test resumes it
/// (or only reports that it is being sent). It lets a test put another transaction exactly between two statements
/// of one, instead of hoping a sleep lands there. Add it with <c>ConfigureDbContext(o => o.AddInterceptors(stop))</c>.
/// </summary>
internal sealed class CommandStop : DbCommandInterceptor
{
    private readonly Func<string, bool> _matches;
    private readonly bool _afterExecution;
    private readonly bool _holds;
    private readonly TaskCompletionSource<string> _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    private CommandStop(Func<string, bool> matches, bool afterExecution, bool holds, bool armed)
    {
        (_matches, _afterExecution, _holds, _armed) = (matches, afterExecution, holds, armed ? 1 : 0);
    }

    /// <summary>The SQL of the command it stopped (or saw), once it has.</summary>
    public Task<string> Reached => _reached.Task;

    /// <summary>Holds the matching command before it is sent (from the start, or once <see cref="Arm"/> was called).</summary>
    public static CommandStop Before(Func<string, bool> matches, bool armed = true) => new(matches, afterExecution: false, holds: true, armed);

    /// <summary>Holds the transaction right after the matching command ran (its locks taken, nothing committed).</summary>
    public static CommandStop After(Func<string, bool> matches, bool armed = true) => new(matches, afterExecution: true, holds: true, armed);

    /// <summary>Only reports the matching command as it is sent, once <see cref="Arm"/> was called.</summary>
    public static CommandStop Seen(Func<string, bool> matches) => new(matches, afterExecution: false, holds: false, armed: false);

    public void Arm() => Volatile.Write(ref _armed, 1);

    public void Resume() => _resume.TrySetResult();

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await StopAsync(command, afterExecution: false);
        return result;
    }

    public override async ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        await StopAsync(command, afterExecution: true);
        return result;
    }

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await StopAsync(command, afterExecution: false);
        return result;
    }

    public override async ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        await StopAsync(command, afterExecution: true);
        return result;
    }

    private async Task StopAsync(DbCommand command, bool afterExecution)
    {
        if (afterExecution != _afterExecution || !_matches(command.CommandText) || Interlocked.Exchange(ref _armed, 0) == 0)
        {
            return;
        }

        _reached.TrySetResult(command.CommandText);
        if (_holds)
        {
            await _resume.Task;
        }
    }
}
