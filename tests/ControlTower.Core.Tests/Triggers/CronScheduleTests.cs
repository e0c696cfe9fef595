using ControlTower.Core.Triggers;
using FsCheck;
using FsCheck.Fluent;

namespace ControlTower.Core.Tests.Triggers;

public sealed class CronScheduleTests
{
    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    private static string[] Sequence(CronSchedule schedule, string after, int count)
    {
        var result = new List<string>();
        var current = At(after);
        for (var i = 0; i < count; i++)
        {
            current = schedule.NextOccurrence(current);
            result.Add(current.ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture));
        }

        return [.. result];
    }

    [Fact]
    public void NextOccurrence_WhenWeekdaysRange_SkipsTheWeekend()
    {
        var schedule = CronSchedule.Parse("0 9 * * MON-FRI");

        Assert.Equal(["2024-06-10T09:00:00+00:00", "2024-06-11T09:00:00+00:00"], Sequence(schedule, "2024-06-07T09:00:00Z", 2));
    }

    [Fact]
    public void NextOccurrence_WhenListsRangesAndSteps_FiresOnEachListedMinute()
    {
        var schedule = CronSchedule.Parse("5,10-20/5 * * * *");

        Assert.Equal(
            ["2024-01-01T12:05:00+00:00", "2024-01-01T12:10:00+00:00", "2024-01-01T12:15:00+00:00", "2024-01-01T12:20:00+00:00", "2024-01-01T13:05:00+00:00"],
            Sequence(schedule, "2024-01-01T12:00:00Z", 5));
    }

    [Fact]
    public void NextOccurrence_WhenOpenEndedStep_RunsToTheFieldMaximum()
    {
        var schedule = CronSchedule.Parse("0 20/2 * * *");

        Assert.Equal(["2024-01-01T20:00:00+00:00", "2024-01-01T22:00:00+00:00", "2024-01-02T20:00:00+00:00"], Sequence(schedule, "2024-01-01T19:00:00Z", 3));
    }

    [Fact]
    public void NextOccurrence_WhenMonthNamesInAnyCase_FiresOnThoseMonths()
    {
        var schedule = CronSchedule.Parse("0 0 1 JAN,jul *");

        Assert.Equal(["2024-07-01T00:00:00+00:00", "2025-01-01T00:00:00+00:00"], Sequence(schedule, "2024-03-15T00:00:00Z", 2));
    }

    [Fact]
    public void NextOccurrence_WhenBothDayFieldsRestricted_FiresWhenEitherMatches()
    {
        var schedule = CronSchedule.Parse("0 0 13 * FRI");

        // Fridays 6, 13, 20 September 2024 and the 13th of October (a Sunday).
        Assert.Equal(
            ["2024-09-06T00:00:00+00:00", "2024-09-13T00:00:00+00:00", "2024-09-20T00:00:00+00:00", "2024-09-27T00:00:00+00:00",
                "2024-10-04T00:00:00+00:00", "2024-10-11T00:00:00+00:00", "2024-10-13T00:00:00+00:00"],
            Sequence(schedule, "2024-09-01T00:00:00Z", 7));
    }

    [Fact]
    public void NextOccurrence_WhenDayOfMonthStepStartsWithStar_BothDayFieldsMustMatch()
    {
        var schedule = CronSchedule.Parse("0 0 */10 * MON");

        // Days 1, 11, 21, 31 that are Mondays: 21 Oct 2024, 11 Nov 2024.
        Assert.Equal(["2024-10-21T00:00:00+00:00", "2024-11-11T00:00:00+00:00"], Sequence(schedule, "2024-09-01T00:00:00Z", 2));
    }

    [Theory]
    [InlineData("0 0 * * 0")]
    [InlineData("0 0 * * 7")]
    [InlineData("0 0 * * SUN")]
    [InlineData("0 0 ? * sun")]
    [InlineData("0 0 * * 0,7")]
    public void NextOccurrence_WhenSundaySpelledAnyWay_FiresOnSunday(string expression)
    {
        var next = CronSchedule.Parse(expression).NextOccurrence(At("2024-06-10T00:00:00Z"));

        Assert.Equal(At("2024-06-16T00:00:00Z"), next);
    }

    [Fact]
    public void NextOccurrence_WhenWeekdayRangeEndsOnSunday_WrapsToSunday()
    {
        var schedule = CronSchedule.Parse("0 0 * * FRI-SUN");

        Assert.Equal(["2024-06-14T00:00:00+00:00", "2024-06-15T00:00:00+00:00", "2024-06-16T00:00:00+00:00", "2024-06-21T00:00:00+00:00"], Sequence(schedule, "2024-06-10T00:00:00Z", 4));
    }

    [Fact]
    public void NextOccurrence_WhenLeapDay_WaitsForTheNextLeapYear()
    {
        Assert.Equal(At("2028-02-29T00:00:00Z"), CronSchedule.Parse("0 0 29 2 *").NextOccurrence(At("2024-03-01T00:00:00Z")));
    }

    [Fact]
    public void NextOccurrence_WhenSixFields_FiresOnSeconds()
    {
        var schedule = CronSchedule.Parse("*/20 * * * * *");

        Assert.Equal(["2024-01-01T12:00:20+00:00", "2024-01-01T12:00:40+00:00", "2024-01-01T12:01:00+00:00"], Sequence(schedule, "2024-01-01T12:00:00.500Z", 3));
    }

    [Fact]
    public void NextOccurrence_WhenAfterIsExactlyAnOccurrence_ReturnsTheFollowingOne()
    {
        Assert.Equal(At("2024-01-01T12:01:00Z"), CronSchedule.Parse("* * * * *").NextOccurrence(At("2024-01-01T12:00:00Z")));
        Assert.Equal(At("2024-01-01T12:01:00Z"), CronSchedule.Parse("* * * * *").NextOccurrence(At("2024-01-01T12:00:59.999Z")));
    }

    [Fact]
    public void NextOccurrence_WhenTimeZone_ReadsWallClockThereAndReturnsItsOffset()
    {
        var next = CronSchedule.Parse("0 9 * * *", "Asia/Tokyo").NextOccurrence(At("2024-06-01T00:00:00Z"));

        Assert.Equal(At("2024-06-02T00:00:00Z"), next);
        Assert.Equal(TimeSpan.FromHours(9), next.Offset);
    }

    [Fact]
    public void NextOccurrence_WhenBerlinSkipsTwoThirty_FiresAtThreeAndNextDayAtTwoThirty()
    {
        // 31 March 2024: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
        var schedule = CronSchedule.Parse("30 2 * * *", "Europe/Berlin");

        Assert.Equal(
            ["2024-03-30T02:30:00+01:00", "2024-03-31T03:00:00+02:00", "2024-04-01T02:30:00+02:00"],
            Sequence(schedule, "2024-03-29T12:00:00Z", 3));
    }

    [Fact]
    public void NextOccurrence_WhenSeveralTimesFallInTheBerlinGap_FiresOnceAtTheEndOfTheGap()
    {
        var schedule = CronSchedule.Parse("*/15 * * * *", "Europe/Berlin");

        Assert.Equal(
            ["2024-03-31T01:45:00+01:00", "2024-03-31T03:00:00+02:00", "2024-03-31T03:15:00+02:00"],
            Sequence(schedule, "2024-03-31T00:40:00Z", 3));
    }

    [Fact]
    public void NextOccurrence_WhenBerlinRepeatsTwoThirty_FiresOnlyAtTheFirstOne()
    {
        // 27 October 2024: 03:00 CEST falls back to 02:00 CET; 02:30 happens at 00:30 and 01:30 UTC.
        var schedule = CronSchedule.Parse("30 2 * * *", "Europe/Berlin");

        Assert.Equal(
            ["2024-10-27T02:30:00+02:00", "2024-10-28T02:30:00+01:00"],
            Sequence(schedule, "2024-10-26T12:00:00Z", 2));
    }

    [Fact]
    public void NextOccurrence_WhenEveryHalfHourAcrossBerlinFallBack_SkipsTheRepeatedHour()
    {
        var schedule = CronSchedule.Parse("*/30 * * * *", "Europe/Berlin");

        Assert.Equal(
            ["2024-10-27T02:30:00+02:00", "2024-10-27T03:00:00+01:00", "2024-10-27T03:30:00+01:00"],
            Sequence(schedule, "2024-10-27T00:00:00Z", 3));
    }

    [Fact]
    public void NextOccurrence_WhenAfterIsInsideTheRepeatedHour_FiresAfterIt()
    {
        // 01:10 UTC is 02:10 CET, the second pass; 02:15..02:45 already fired in the first pass.
        var next = CronSchedule.Parse("*/15 * * * *", "Europe/Berlin").NextOccurrence(At("2024-10-27T01:10:00Z"));

        Assert.Equal(At("2024-10-27T03:00:00+01:00"), next);
    }

    [Fact]
    public void NextOccurrence_WhenNewYorkSkipsTwoThirty_FiresAtThreeEdt()
    {
        // 10 March 2024: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
        var schedule = CronSchedule.Parse("30 2 * * *", "America/New_York");

        Assert.Equal(
            ["2024-03-09T02:30:00-05:00", "2024-03-10T03:00:00-04:00", "2024-03-11T02:30:00-04:00"],
            Sequence(schedule, "2024-03-09T00:00:00Z", 3));
    }

    [Fact]
    public void NextOccurrence_WhenNewYorkRepeatsOneThirty_FiresOnce()
    {
        // 3 November 2024: 02:00 EDT falls back to 01:00 EST; 01:30 happens at 05:30 and 06:30 UTC.
        var schedule = CronSchedule.Parse("30 1 * * *", "America/New_York");

        Assert.Equal(
            ["2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00"],
            Sequence(schedule, "2024-11-02T12:00:00Z", 2));
    }

    [Fact]
    public void NextOccurrence_WhenHourlyAcrossNewYorkTransitions_KeepsOneFiringPerInstant()
    {
        var schedule = CronSchedule.Parse("0 * * * *", "America/New_York");

        // Spring: 01:00 EST then 03:00 EDT (02:00 does not exist). Fall: 01:00 EDT then 02:00 EST (01:00 EST is the repeat).
        Assert.Equal(["2024-03-10T01:00:00-05:00", "2024-03-10T03:00:00-04:00", "2024-03-10T04:00:00-04:00"], Sequence(schedule, "2024-03-10T05:30:00Z", 3));
        Assert.Equal(["2024-11-03T01:00:00-04:00", "2024-11-03T02:00:00-05:00", "2024-11-03T03:00:00-05:00"], Sequence(schedule, "2024-11-03T04:30:00Z", 3));
    }

    [Theory]
    [InlineData("")]
    [InlineData("* * * *")]
    [InlineData("* * * * * * *")]
    [InlineData("60 * * * *")]
    [InlineData("* 24 * * *")]
    [InlineData("* * 0 * *")]
    [InlineData("* * 32 * *")]
    [InlineData("* * * 13 *")]
    [InlineData("* * * 0 *")]
    [InlineData("* * * * 8")]
    [InlineData("*/0 * * * *")]
    [InlineData("*/x * * * *")]
    [InlineData("5-1 * * * *")]
    [InlineData("L * * * *")]
    [InlineData("* * L * *")]
    [InlineData("* * * * 5#2")]
    [InlineData("* * * FOO *")]
    [InlineData("* * * * MONDAY")]
    [InlineData("1,,2 * * * *")]
    [InlineData("? * * * *")]
    [InlineData("-1 * * * *")]
    [InlineData("1-2-3 * * * *")]
    [InlineData("1/2/3 * * * *")]
    public void Parse_WhenExpressionIsMalformed_ThrowsCronInvalid(string expression)
    {
        var error = Assert.Throws<TriggerException>(() => CronSchedule.Parse(expression));

        Assert.Equal(TriggerErrorCodes.CronInvalid, error.Code);
    }

    [Theory]
    [InlineData("0 0 30 2 *")]
    [InlineData("0 0 31 4,6,9,11 *")]
    [InlineData("0 0 31 FEB ?")]
    public void Parse_WhenNoSuchDayExists_ThrowsCronNeverFires(string expression)
    {
        var error = Assert.Throws<TriggerException>(() => CronSchedule.Parse(expression));

        Assert.Equal(TriggerErrorCodes.CronNeverFires, error.Code);
    }

    [Fact]
    public void Parse_WhenDayOnlyInvalidButWeekdayRestricted_StillFiresOnTheWeekday()
    {
        var next = CronSchedule.Parse("0 0 30 2 MON").NextOccurrence(At("2024-02-01T00:00:00Z"));

        Assert.Equal(At("2024-02-05T00:00:00Z"), next);
    }

    [Fact]
    public void Parse_WhenTimeZoneUnknown_ThrowsTimeZoneUnknown()
    {
        var error = Assert.Throws<TriggerException>(() => CronSchedule.Parse("* * * * *", "Mars/Olympus_Mons"));

        Assert.Equal(TriggerErrorCodes.TimeZoneUnknown, error.Code);
    }

    [Fact]
    public void Parse_NormalizesWhitespace()
    {
        Assert.Equal("0 9 * * MON", CronSchedule.Parse("  0   9\t*  * MON ").Expression);
    }

    private sealed record Case(string Expression, Func<DateTime, bool> Matches);

    private static readonly Case[] Cases =
    [
        new("*/15 * * * *", t => t.Minute % 15 == 0),
        new("30 2 * * *", t => t is { Hour: 2, Minute: 30 }),
        new("0,30 1-3 * * *", t => t.Minute is 0 or 30 && t.Hour is >= 1 and <= 3),
        new("* 2 * * *", t => t.Hour == 2),
        new("45 2 * * SUN", t => t is { Hour: 2, Minute: 45, DayOfWeek: DayOfWeek.Sunday }),
        new("0 3 * * *", t => t is { Hour: 3, Minute: 0 }),
        new("59 1 * * *", t => t is { Hour: 1, Minute: 59 }),
    ];

    private static readonly (string Zone, DateTimeOffset Transition)[] Transitions =
    [
        ("Europe/Berlin", At("2024-03-31T01:00:00Z")),
        ("Europe/Berlin", At("2024-10-27T01:00:00Z")),
        ("America/New_York", At("2024-03-10T07:00:00Z")),
        ("America/New_York", At("2024-11-03T06:00:00Z")),
        ("UTC", At("2024-06-01T00:00:00Z")),
    ];

    [Fact]
    public void NextOccurrence_AroundDstTransitions_EqualsAMinuteByMinuteModel()
    {
        var scenarios = Arb.From(
            from c in Gen.Elements(Cases)
            from t in Gen.Elements(Transitions)
            from seconds in Gen.Choose(-3 * 86_400, 2 * 86_400)
            select (c, t.Zone, After: t.Transition.AddSeconds(seconds)));

        Prop.ForAll(scenarios, s =>
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(s.Zone);
            var expected = Model(s.c.Matches, zone, s.After);
            var actual = CronSchedule.Parse(s.c.Expression, s.Zone).NextOccurrence(s.After);
            Assert.True(expected == actual, $"{s.c.Expression} in {s.Zone} after {s.After:O}: model {expected:O}, got {actual:O}");
            Assert.Equal(zone.GetUtcOffset(actual), actual.Offset);
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void NextOccurrence_ForRandomListsInUtc_IsTheFirstMatchingMinuteAfter()
    {
        static Gen<int[]> Subset(int min, int max, int most) =>
            from count in Gen.Choose(1, most)
            from values in Gen.ArrayOf(Gen.Choose(min, max), count)
            select values.Distinct().Order().ToArray();

        var scenarios = Arb.From(
            from minutes in Subset(0, 59, 4)
            from hours in Subset(0, 23, 3)
            from days in Gen.OneOf(Gen.Constant(Array.Empty<int>()), Subset(1, 28, 3))
            from weekdays in Gen.OneOf(Gen.Constant(Array.Empty<int>()), Subset(0, 6, 2))
            from start in Gen.Choose(0, 4 * 365 * 24 * 60)
            select (minutes, hours, days, weekdays, After: At("2024-01-01T00:00:00Z").AddMinutes(start).AddSeconds(start % 60)));

        Prop.ForAll(scenarios, s =>
        {
            static string Field(int[] values) => values.Length == 0 ? "*" : string.Join(',', values);
            var expression = $"{Field(s.minutes)} {Field(s.hours)} {Field(s.days)} * {Field(s.weekdays)}";
            bool Matches(DateTime t)
            {
                var day = s.days.Length == 0 || s.days.Contains(t.Day);
                var weekday = s.weekdays.Length == 0 || s.weekdays.Contains((int)t.DayOfWeek);
                var days = s.days.Length > 0 && s.weekdays.Length > 0 ? day || weekday : day && weekday;
                return s.minutes.Contains(t.Minute) && s.hours.Contains(t.Hour) && days;
            }

            var expected = Model(Matches, TimeZoneInfo.Utc, s.After);
            var actual = CronSchedule.Parse(expression).NextOccurrence(s.After);
            Assert.True(expected == actual, $"{expression} after {s.After:O}: model {expected:O}, got {actual:O}");
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    /// <summary>
    /// Scans instants minute by minute: an instant fires when its wall time matches and is not the
    /// second pass of a repeated time, or when it ends a gap in which some skipped wall time matched.
    /// </summary>
    private static DateTimeOffset Model(Func<DateTime, bool> matches, TimeZoneInfo zone, DateTimeOffset after)
    {
        var minute = TimeSpan.FromMinutes(1);
        var u = new DateTimeOffset(after.UtcTicks - (after.UtcTicks % minute.Ticks), TimeSpan.Zero).Add(minute);
        while (true)
        {
            var local = TimeZoneInfo.ConvertTime(u, zone);
            var wall = local.DateTime;
            var firstPass = !zone.IsAmbiguousTime(wall) || local.Offset == zone.GetAmbiguousTimeOffsets(wall).Max();
            if (matches(wall) && firstPass)
            {
                return u;
            }

            var previousWall = TimeZoneInfo.ConvertTime(u - minute, zone).DateTime;
            for (var skipped = previousWall + minute; skipped < wall; skipped += minute)
            {
                if (matches(skipped))
                {
                    return u;
                }
            }

            u += minute;
        }
    }
}
