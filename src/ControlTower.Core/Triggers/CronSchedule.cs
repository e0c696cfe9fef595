using System.Globalization;
using System.Numerics;
using ControlTower.Core.Errors;

namespace ControlTower.Core.Triggers;

/// <summary>
/// A cron schedule in a time zone. Syntax: 5 fields <c>minute hour day-of-month month day-of-week</c>,
/// or 6 with a seconds field first. Each field is <c>*</c>, a value, a range <c>a-b</c>, a step
/// <c>*/n</c>, <c>a-b/n</c> or <c>a/n</c> (from a to the field's maximum), or a comma list of those;
/// months take <c>JAN</c>..<c>DEC</c>, weekdays <c>SUN</c>..<c>SAT</c> (case-insensitive), weekday 0 and
/// 7 are Sunday, <c>?</c> is <c>*</c> in the two day fields. As in Vixie cron, when both day fields are
/// restricted a day matches if either does; when either starts with <c>*</c> both must match.
/// <para>Wall-clock times are read in the time zone. Across DST: a local time skipped by a spring-forward
/// gap fires at the first instant after the gap (several skipped times collapse into that one firing);
/// a local time repeated by a fall-back fires once, at its first (daylight) occurrence.</para>
/// </summary>
public sealed class CronSchedule
{
    private const int SearchYears = 30;

    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] WeekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private static readonly Field Seconds = new("second", 0, 59, null, 0);
    private static readonly Field Minutes = new("minute", 0, 59, null, 0);
    private static readonly Field Hours = new("hour", 0, 23, null, 0);
    private static readonly Field Days = new("day-of-month", 1, 31, null, 0);
    private static readonly Field Months = new("month", 1, 12, MonthNames, 1);
    private static readonly Field Weekdays = new("day-of-week", 0, 7, WeekdayNames, 0);

    private readonly ulong _seconds;
    private readonly ulong _minutes;
    private readonly ulong _hours;
    private readonly ulong _days;
    private readonly ulong _months;
    private readonly ulong _weekdays;
    private readonly bool _anyDay;

    private CronSchedule(string expression, TimeZoneInfo timeZone, string[] fields)
    {
        Expression = expression;
        TimeZone = timeZone;
        var offset = fields.Length == 6 ? 1 : 0;
        _seconds = offset == 1 ? Seconds.Parse(fields[0]) : 1UL;
        _minutes = Minutes.Parse(fields[offset]);
        _hours = Hours.Parse(fields[offset + 1]);
        _days = Days.Parse(fields[offset + 2]);
        _months = Months.Parse(fields[offset + 3]);
        var weekdays = Weekdays.Parse(fields[offset + 4]);
        _weekdays = (weekdays & ~(1UL << 7)) | ((weekdays >> 7) & 1UL); // 7 is Sunday too
        _anyDay = IsStar(fields[offset + 2]) || IsStar(fields[offset + 4]);
        EnsureSomeDayExists();
    }

    public string Expression { get; }

    public TimeZoneInfo TimeZone { get; }

    /// <param name="timeZoneId">An IANA (or Windows) id known to the system, e.g. <c>Europe/Berlin</c>; <c>UTC</c> by default.</param>
    /// <exception cref="TriggerException"><c>cron.invalid</c>, <c>cron.never_fires</c> or <c>cron.time_zone_unknown</c>.</exception>
    public static CronSchedule Parse(string expression, string timeZoneId = "UTC") => Parse(expression, FindTimeZone(timeZoneId));

    public static CronSchedule Parse(string expression, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        var fields = (expression ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is not (5 or 6))
        {
            throw Invalid($"a cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, not {fields.Length}");
        }

        return new CronSchedule(string.Join(' ', fields), timeZone, fields);
    }

    /// <summary>The first instant strictly after <paramref name="after"/> at which the schedule fires (offset of the time zone at that instant).</summary>
    public DateTimeOffset NextOccurrence(DateTimeOffset after)
    {
        var local = TimeZoneInfo.ConvertTime(after, TimeZone).DateTime;
        var start = new DateTime(local.Ticks - (local.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Unspecified).AddSeconds(1);
        foreach (var wall in WallTimesFrom(start))
        {
            var instant = ToInstant(wall);
            if (instant > after)
            {
                return instant;
            }
        }

        throw new TriggerException(ErrorKind.Validation, TriggerErrorCodes.CronNeverFires, $"'{Expression}' does not fire within {SearchYears} years after {after:O}.");
    }

    private static TimeZoneInfo FindTimeZone(string timeZoneId)
    {
        if (string.IsNullOrWhiteSpace(timeZoneId) || timeZoneId == "UTC")
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(timeZoneId);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new TriggerException(ErrorKind.Validation, TriggerErrorCodes.TimeZoneUnknown, $"Time zone '{timeZoneId}' is not known.");
        }
    }

    private static bool IsStar(string field) => field.StartsWith('*') || field.StartsWith('?');

    /// <summary>Matching wall-clock times from <paramref name="start"/> on, in order, by jumping field by field.</summary>
    private IEnumerable<DateTime> WallTimesFrom(DateTime start)
    {
        var t = start;
        var lastYear = Math.Min(DateTime.MaxValue.Year - 1, start.Year + SearchYears);
        while (t.Year <= lastYear)
        {
            if (!Has(_months, t.Month))
            {
                t = new DateTime(t.Year, t.Month, 1).AddMonths(1);
                continue;
            }

            if (!DayMatches(t))
            {
                t = t.Date.AddDays(1);
                continue;
            }

            var hour = NextSet(_hours, t.Hour);
            if (hour < 0)
            {
                t = t.Date.AddDays(1);
                continue;
            }

            if (hour != t.Hour)
            {
                t = t.Date.AddHours(hour);
            }

            var minute = NextSet(_minutes, t.Minute);
            if (minute < 0)
            {
                t = t.Date.AddHours(t.Hour + 1);
                continue;
            }

            if (minute != t.Minute)
            {
                t = t.Date.AddHours(t.Hour).AddMinutes(minute);
            }

            var second = NextSet(_seconds, t.Second);
            if (second < 0)
            {
                t = t.Date.AddHours(t.Hour).AddMinutes(t.Minute + 1);
                continue;
            }

            t = t.Date.AddHours(t.Hour).AddMinutes(t.Minute).AddSeconds(second);
            yield return t;
            t = t.AddSeconds(1);
        }
    }

    private bool DayMatches(DateTime date)
    {
        var day = Has(_days, date.Day);
        var weekday = Has(_weekdays, (int)date.DayOfWeek);
        return _anyDay ? day && weekday : day || weekday;
    }

    /// <summary>The instant of a wall-clock time: the first occurrence when repeated, the end of the gap when skipped.</summary>
    private DateTimeOffset ToInstant(DateTime wall)
    {
        if (TimeZone.IsAmbiguousTime(wall))
        {
            return new DateTimeOffset(wall, TimeZone.GetAmbiguousTimeOffsets(wall).Max());
        }

        return TimeZone.IsInvalidTime(wall) ? FirstInstantAtOrAfter(wall) : new DateTimeOffset(wall, TimeZone.GetUtcOffset(wall));
    }

    /// <summary>The earliest instant whose local time is at or after <paramref name="wall"/> (a time inside a gap), to the second.</summary>
    private DateTimeOffset FirstInstantAtOrAfter(DateTime wall)
    {
        var utc = new DateTimeOffset(wall, TimeSpan.Zero);
        long low = utc.AddDays(-1).ToUnixTimeSeconds();
        long high = utc.AddDays(1).ToUnixTimeSeconds();
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(middle), TimeZone).DateTime >= wall)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(low), TimeZone);
    }

    private void EnsureSomeDayExists()
    {
        if (!_anyDay)
        {
            return; // Either day field alone can match, and every weekday recurs.
        }

        var firstDay = NextSet(_days, 1);
        for (var month = 1; month <= 12; month++)
        {
            // 2024 is a leap year: 29 February counts as a day that exists.
            if (Has(_months, month) && firstDay > 0 && firstDay <= DateTime.DaysInMonth(2024, month))
            {
                return;
            }
        }

        throw new TriggerException(ErrorKind.Validation, TriggerErrorCodes.CronNeverFires, $"'{Expression}' names no day that exists in its months.");
    }

    private static bool Has(ulong bits, int value) => (bits & (1UL << value)) != 0;

    private static int NextSet(ulong bits, int from)
    {
        var rest = bits & (ulong.MaxValue << from);
        return rest == 0 ? -1 : BitOperations.TrailingZeroCount(rest);
    }

    private static TriggerException Invalid(string message) => new(ErrorKind.Validation, TriggerErrorCodes.CronInvalid, message + ".");

    private sealed record Field(string Name, int Min, int Max, string[]? Names, int NameBase)
    {
        public ulong Parse(string text)
        {
            ulong bits = 0;
            foreach (var part in text.Split(','))
            {
                bits |= ParsePart(part);
            }

            return bits;
        }

        private ulong ParsePart(string part)
        {
            var slash = part.IndexOf('/', StringComparison.Ordinal);
            var rangeText = slash < 0 ? part : part[..slash];
            var step = slash < 0 ? 1 : ParseStep(part[(slash + 1)..]);
            var (from, to) = rangeText switch
            {
                "*" => (Min, Max),
                "?" when Name is "day-of-month" or "day-of-week" => (Min, Max),
                _ => ParseRange(rangeText, openEnded: slash >= 0),
            };

            ulong bits = 0;
            for (var value = from; value <= to; value += step)
            {
                bits |= 1UL << value;
            }

            return bits;
        }

        private (int From, int To) ParseRange(string text, bool openEnded)
        {
            var dash = text.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                var single = ParseValue(text);
                return (single, openEnded ? Max : single);
            }

            var from = ParseValue(text[..dash]);
            var to = ParseValue(text[(dash + 1)..]);
            if (Name == "day-of-week" && to == 0 && from > 0)
            {
                to = 7; // FRI-SUN
            }

            return from <= to ? (from, to) : throw Invalid($"{Name} range '{text}' runs backwards");
        }

        private int ParseStep(string text) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var step) && step >= 1 && step <= Max
                ? step
                : throw Invalid($"{Name} step '{text}' must be a whole number from 1 to {Max}");

        private int ParseValue(string text)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return number >= Min && number <= Max ? number : throw Invalid($"{Name} value {number} is outside {Min}-{Max}");
            }

            var index = Names is null ? -1 : Array.FindIndex(Names, n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
            return index >= 0 ? index + NameBase : throw Invalid($"{Name} value '{text}' is not a number{(Names is null ? "" : " or name")}");
        }
    }
}
