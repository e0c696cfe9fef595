using System.Buffers;
using System.Text;
using ControlTower.Server.Platform.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using SQLitePCL;

namespace ControlTower.Server.Runs;

/// <summary>
/// <see cref="EngineRows"/> on SQLite: one single-row <c>INSERT</c> per table, prepared once per connection and re-bound
/// per row, on the connection's own SQLite handle. A context that lives on (the group-commit writer's) so parses each
/// statement once, instead of parsing a multi-row statement built afresh per commit, and binds by position without the
/// ADO.NET parameter objects (per value, Microsoft.Data.Sqlite allocates a binder and looks the parameter's name up).
/// Text is bound as UTF-8, encoded by .NET into one reused buffer: bound as UTF-16, SQLite converts it to the database's
/// UTF-8 itself, byte by byte, inside the group commit's serial section (the largest single cost there in a profile).
/// Values are written in the forms EF Core's SQLite provider writes (<c>SaveChanges</c>): a GUID as upper-case <c>D</c>
/// text, a time as <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c> text, integers as integers; <c>EngineRowsTests</c> compares them with
/// rows EF wrote. Executed synchronously, as all SQLite I/O is (Microsoft.Data.Sqlite's async calls run synchronously too),
/// and never interrupted: inside a shared transaction an interrupt would roll back every unit in it.
/// </summary>
internal sealed class SqliteEngineRows : IDisposable
{
    private const int KeptTextBytes = 1 << 20;

    private readonly Dictionary<string, Statement> _statements = new(StringComparer.Ordinal);
    private byte[] _text = new byte[4096];

    /// <summary>Inserts the rows in the context's current transaction (there is one: the context saves inside it).</summary>
    public void Insert<T>(ControlTowerDbContext db, EngineTable<T> table, List<T> rows)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("The engine's rows are inserted inside a transaction.");
        }

        // The handle, not the ADO.NET connection: a pooled connection may hand a context another handle after it reopens.
        var handle = ((SqliteConnection)db.Database.GetDbConnection()).Handle
            ?? throw new InvalidOperationException("The engine's rows are inserted on an open connection.");
        if (!_statements.TryGetValue(table.Name, out var statement))
        {
            _statements[table.Name] = statement = new Statement(
                $"INSERT INTO \"{table.Name}\" ({string.Join(", ", table.Columns.Select(c => $"\"{c.Column}\""))}) " +
                $"VALUES ({string.Join(", ", table.Columns.Select((_, i) => $"?{i + 1}"))})");
        }

        var prepared = statement.For(handle);
        var columns = table.Columns;
        foreach (var row in rows)
        {
            try
            {
                for (var i = 0; i < columns.Length; i++)
                {
                    Check(Bind(prepared, i + 1, columns[i].Value(row)), raw.SQLITE_OK, handle);
                }

                Check(raw.sqlite3_step(prepared), raw.SQLITE_DONE, handle);
            }
            catch (SqliteException failure)
            {
                throw new DbUpdateException($"Inserting the engine's rows into {table.Name} failed: {failure.Message}", failure);
            }
            finally
            {
                raw.sqlite3_reset(prepared);
            }
        }
    }

    public void Dispose()
    {
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }

        _statements.Clear();
    }

    private int Bind(sqlite3_stmt statement, int index, object? value) => value switch
    {
        null => raw.sqlite3_bind_null(statement, index),
        string text => BindText(statement, index, text),
        long number => raw.sqlite3_bind_int64(statement, index, number),
        int number => raw.sqlite3_bind_int64(statement, index, number),
        Guid id => BindGuid(statement, index, id),
        DateTime time => BindTime(statement, index, time),
        _ => throw new InvalidOperationException($"The engine's rows have no SQLite form for {value.GetType().Name}."),
    };

    /// <summary>SQLite copies the bound bytes (a transient binding), so the buffer serves the next value at once.</summary>
    private int BindText(sqlite3_stmt statement, int index, string value)
    {
        if (value.Length == 0)
        {
            // An empty span is pinned as a null pointer, which SQLite binds as NULL.
            return raw.sqlite3_bind_text(statement, index, utf8z.FromString(string.Empty));
        }

        var most = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (most > KeptTextBytes)
        {
            // A rare large value borrows a buffer, so the writer's context does not keep one that size.
            var rented = ArrayPool<byte>.Shared.Rent(most);
            try
            {
                return raw.sqlite3_bind_text(statement, index, rented.AsSpan(0, Encoding.UTF8.GetBytes(value, rented)));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        if (most > _text.Length)
        {
            _text = new byte[Math.Min(Math.Max(most, _text.Length * 2), KeptTextBytes)];
        }

        return raw.sqlite3_bind_text(statement, index, _text.AsSpan(0, Encoding.UTF8.GetBytes(value, _text)));
    }

    private static int BindGuid(sqlite3_stmt statement, int index, Guid value)
    {
        Span<byte> text = stackalloc byte[36];
        value.TryFormat(text, out _, "D");
        for (var i = 0; i < text.Length; i++)
        {
            // Hexadecimal digits only: 'a'..'f' to 'A'..'F', as EF's provider writes them.
            if (text[i] is >= (byte)'a' and <= (byte)'f')
            {
                text[i] -= 'a' - 'A';
            }
        }

        return raw.sqlite3_bind_text(statement, index, text);
    }

    private static int BindTime(sqlite3_stmt statement, int index, DateTime value)
    {
        Span<byte> text = stackalloc byte[27];
        return raw.sqlite3_bind_text(statement, index, text[..FormatTime(value, text)]);
    }

    /// <summary>
    /// <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c> (trailing zeros of the fraction dropped, and the point with them when it is zero)
    /// written digit by digit: parsing the custom format on every value showed in the group commit's profile.
    /// </summary>
    private static int FormatTime(DateTime value, Span<byte> text)
    {
        var (year, month, day) = value;
        WriteDigits(text[..4], year);
        text[4] = (byte)'-';
        WriteDigits(text.Slice(5, 2), month);
        text[7] = (byte)'-';
        WriteDigits(text.Slice(8, 2), day);
        text[10] = (byte)' ';
        WriteDigits(text.Slice(11, 2), value.Hour);
        text[13] = (byte)':';
        WriteDigits(text.Slice(14, 2), value.Minute);
        text[16] = (byte)':';
        WriteDigits(text.Slice(17, 2), value.Second);
        var fraction = (int)(value.Ticks % TimeSpan.TicksPerSecond);
        if (fraction == 0)
        {
            return 19;
        }

        text[19] = (byte)'.';
        WriteDigits(text.Slice(20, 7), fraction);
        var length = 27;
        while (text[length - 1] == (byte)'0')
        {
            length--;
        }

        return length;
    }

    private static void WriteDigits(Span<byte> digits, int value)
    {
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            (value, var digit) = Math.DivRem(value, 10);
            digits[i] = (byte)('0' + digit);
        }
    }

    private static void Check(int result, int expected, sqlite3 handle)
    {
        if (result != expected)
        {
            SqliteException.ThrowExceptionForRC(result, handle);
        }
    }

    /// <summary>One table's insert, prepared on the handle it last ran on (a context's handle normally never changes).</summary>
    private sealed class Statement(string sql) : IDisposable
    {
        private sqlite3? _handle;
        private sqlite3_stmt? _prepared;

        public sqlite3_stmt For(sqlite3 handle)
        {
            if (_prepared is not null && ReferenceEquals(_handle, handle))
            {
                return _prepared;
            }

            Dispose();
            Check(raw.sqlite3_prepare_v2(handle, sql, out var prepared), raw.SQLITE_OK, handle);
            (_prepared, _handle) = (prepared, handle);
            return prepared;
        }

        public void Dispose()
        {
            _prepared?.Dispose();
            (_prepared, _handle) = (null, null);
        }
    }
}
