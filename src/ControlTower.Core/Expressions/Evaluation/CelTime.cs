using System.Globalization;

namespace ControlTower.Core.Expressions;

/// <summary>timestamp()/duration() parsing and the getXxx accessors (time zones by IANA id or fixed offset).</summary>
internal static class CelTime
{
    private const long NanosPerSecond = 1_000_000_000;

    public static object Timestamp(CelExpr call, Int128 nanos) =>
        CelTimestamp.InRange(nanos) ? new CelTimestamp(nanos) : new CelError("timestamp out of range", call);

    public static object ToTimestamp(CelExpr call, object x) => x switch
    {
        CelTimestamp => x,
        long seconds => Timestamp(call, (Int128)seconds * NanosPerSecond),
        string s => TryParseTimestamp(s, out var nanos)
            ? Timestamp(call, nanos)
            : new CelError($"cannot parse timestamp '{s}' (range or format error)", call),
        _ => CelFunctions.NoOverload(call, x),
    };

    public static object ToDuration(CelExpr call, object x) => x switch
    {
        CelDuration => x,
        long seconds => seconds is > 9_223_372_036 or < -9_223_372_036
            ? new CelError("duration out of range", call)
            : new CelDuration(seconds * NanosPerSecond),
        string s => TryParseDuration(s, out var nanos, out var overflow)
            ? new CelDuration(nanos)
            : new CelError(overflow ? $"duration out of range: '{s}'" : $"cannot parse duration '{s}'", call),
        _ => CelFunctions.NoOverload(call, x),
    };

    /// <summary>RFC 3339: <c>YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)</c>.</summary>
    public static bool TryParseTimestamp(string s, out Int128 nanos)
    {
        nanos = 0;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || (s[10] is not ('T' or 't')) || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        if (!TryDigits(s, 0, 4, out var year) || !TryDigits(s, 5, 2, out var month) || !TryDigits(s, 8, 2, out var day) ||
            !TryDigits(s, 11, 2, out var hour) || !TryDigits(s, 14, 2, out var minute) || !TryDigits(s, 17, 2, out var second))
        {
            return false;
        }

        var pos = 19;
        long fraction = 0;
        if (pos < s.Length && s[pos] == '.')
        {
            pos++;
            var start = pos;
            while (pos < s.Length && char.IsAsciiDigit(s[pos]))
            {
                pos++;
            }

            var digits = pos - start;
            if (digits is 0 or > 9)
            {
                return false;
            }

            fraction = long.Parse(s.AsSpan(start, digits), CultureInfo.InvariantCulture) * (long)Math.Pow(10, 9 - digits);
        }

        long offsetSeconds = 0;
        if (pos < s.Length && s[pos] is 'Z' or 'z')
        {
            pos++;
        }
        else if (pos + 6 == s.Length && s[pos] is '+' or '-' && s[pos + 3] == ':' &&
                 TryDigits(s, pos + 1, 2, out var oh) && TryDigits(s, pos + 4, 2, out var om))
        {
            offsetSeconds = (s[pos] == '-' ? -1 : 1) * ((oh * 3600L) + (om * 60L));
            pos += 6;
        }
        else
        {
            return false;
        }

        if (pos != s.Length || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) ||
            hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc);
        var seconds = ((local.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond) - offsetSeconds;
        nanos = ((Int128)seconds * NanosPerSecond) + fraction;
        return CelTimestamp.InRange(nanos);
    }

    private static bool TryDigits(string s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            if (i >= s.Length || !char.IsAsciiDigit(s[i]))
            {
                return false;
            }

            value = (value * 10) + (s[i] - '0');
        }

        return true;
    }

    /// <summary>Go duration syntax: <c>[-+]?(\d*(\.\d*)?(h|m|s|ms|us|µs|ns))+</c> or <c>0</c>.</summary>
    public static bool TryParseDuration(string s, out long nanos, out bool overflow)
    {
        nanos = 0;
        overflow = false;
        var pos = 0;
        var negative = false;
        if (pos < s.Length && s[pos] is '-' or '+')
        {
            negative = s[pos] == '-';
            pos++;
        }

        if (s.AsSpan(pos).SequenceEqual("0"))
        {
            return true;
        }

        if (pos >= s.Length)
        {
            return false;
        }

        Int128 total = 0;
        while (pos < s.Length)
        {
            var numberStart = pos;
            while (pos < s.Length && (char.IsAsciiDigit(s[pos]) || s[pos] == '.'))
            {
                pos++;
            }

            if (pos == numberStart || !decimal.TryParse(s.AsSpan(numberStart, pos - numberStart), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = pos;
            while (pos < s.Length && !char.IsAsciiDigit(s[pos]) && s[pos] != '.')
            {
                pos++;
            }

            long unit = s[unitStart..pos] switch
            {
                "h" => 3600 * NanosPerSecond,
                "m" => 60 * NanosPerSecond,
                "s" => NanosPerSecond,
                "ms" => 1_000_000,
                "us" or "µs" or "μs" => 1000,
                "ns" => 1,
                _ => 0,
            };
            if (unit == 0)
            {
                return false;
            }

            if (number > 1e12m)
            {
                overflow = true;
                return false;
            }

            total += (Int128)decimal.Truncate(number * unit);
            if (total > long.MaxValue)
            {
                overflow = true;
                return false;
            }
        }

        nanos = negative ? -(long)total : (long)total;
        return true;
    }

    public static object Accessor(CallExpr call, string function, object value, object? zone)
    {
        if (value is CelDuration d)
        {
            return zone is not null ? CelFunctions.NoOverload(call, value, zone) : function switch
            {
                "getHours" => d.Nanos / (3600 * NanosPerSecond),
                "getMinutes" => d.Nanos / (60 * NanosPerSecond),
                "getSeconds" => d.Nanos / NanosPerSecond,
                "getMilliseconds" => d.Nanos % NanosPerSecond / 1_000_000,
                _ => CelFunctions.NoOverload(call, value),
            };
        }

        var t = (CelTimestamp)value;
        DateTime local;
        if (zone is null)
        {
            local = t.ToDateTime();
        }
        else if (zone is string name && TryResolveZone(name, t.ToDateTime(), out var converted))
        {
            local = converted;
        }
        else
        {
            return zone is string bad ? new CelError($"unknown time zone '{bad}'", call) : CelFunctions.NoOverload(call, value, zone);
        }

        return function switch
        {
            "getFullYear" => (long)local.Year,
            "getMonth" => (long)local.Month - 1,
            "getDate" => (long)local.Day,
            "getDayOfMonth" => (long)local.Day - 1,
            "getDayOfWeek" => (long)local.DayOfWeek,
            "getDayOfYear" => (long)local.DayOfYear - 1,
            "getHours" => (long)local.Hour,
            "getMinutes" => (long)local.Minute,
            "getSeconds" => (long)local.Second,
            "getMilliseconds" => (long)(t.NanoOfSecond / 1_000_000),
            _ => CelFunctions.NoOverload(call, value, zone),
        };
    }

    /// <summary>A fixed offset (<c>+05:30</c>, <c>-02:30</c>, <c>02:00</c>) or an IANA id such as <c>America/St_Johns</c>.</summary>
    private static bool TryResolveZone(string name, DateTime utc, out DateTime local)
    {
        local = utc;
        var offsetText = name.TrimStart('+', '-');
        if (offsetText.Length == 5 && offsetText[2] == ':' && TryDigits(offsetText, 0, 2, out var h) && TryDigits(offsetText, 3, 2, out var m))
        {
            var offset = new TimeSpan(h, m, 0);
            local = name.StartsWith('-') ? utc - offset : utc + offset;
            return true;
        }

        try
        {
            local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), TimeZoneInfo.FindSystemTimeZoneById(name));
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }
}
