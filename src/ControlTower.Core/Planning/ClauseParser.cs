using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ControlTower.Core.Planning;

/// <summary>
/// Reads a request in plain English into a trigger and ordered steps. Rules, in the order they apply:
/// quoted values and URLs are set aside; the trigger is read ("when a request arrives" → webhook, "every weekday at 9"
/// → schedule, "when called as a tool" → MCP, else manual); sentences split at <c>. ; ! ?</c>; clauses split at
/// "then", "finally", "otherwise", and at commas or "and" followed by a verb (so "add 3 and 4" stays one clause).
/// A clause opening with "if"/"when"/"unless" starts a branch whose then-part runs to the next "then", "otherwise" or
/// the end of the sentence; "otherwise" (also at the start of the next sentence) opens its else-part.
/// </summary>
internal static partial class ClauseParser
{
    private const string Verbs = "check|get|look|fetch|read|list|dispense|restock|reorder|replenish|ask|request|require|requires|need|needs|wait|pause|sleep|hold|delay|" +
        "reply|respond|answer|return|send|post|call|write|save|store|create|delete|remove|add|record|log|" +
        "search|find|move|rename|compress|gzip|summari[sz]e|classify|translate|compute|calculate|notify|email|echo|" +
        "fail|stop|abort|run|start|sum|make|open|edit|append|update|fill|give|approve|count|extract|" +
        "format|put|link|relate|note|set|toggle|print|show|apply|evaluate|download|" +
        "upload|query|research|collect|gather|retry|poll|keep|have|let|compare|tell|draft|compose|generate|analy[sz]e|book|mark|verify|lookup|" +
        "inspect|fire|trigger|render|build|convert|map|normali[sz]e|merge|" +
        "combine|publish|archive|tag|remember|forget|observe|flag|" +
        "escalate|get|provide|simulate|use|connect|take|copy|prepare|turn|enable|disable|list|obtain|retrieve|zip|" +
        "review|attach|pick|read|see|perform|fax|sms|tweet|alert|ping";

    // A verb word used as a noun ("the name and email from the request") does not start a clause.
    private const string NotNoun = @"(?!\s+(?:from|of|and|or|address|addresses|to\s+the\s+(?:list|file))\b)(?!\s*[,.;]|$)";

    [GeneratedRegex("\"([^\"]+)\"|\u201C([^\u201D]+)\u201D|(?<![\\p{L}\\p{N}])'([^']+)'(?![\\p{L}\\p{N}])")]
    private static partial Regex QuotePattern();

    [GeneratedRegex("https?://[^\\s\"'<>]+[^\\s\"'<>.,;:!?)]")]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"\b(?:(?:when(?:ever)?|once|if)\s+(?:[\w']+\s+){0,3}?)?(?:(?:called|invoked|used)\s+as|(?:calls?|invokes?|uses?)\s+(?:this|it|the)(?:\s+workflow)?\s+as|" +
        @"(?:expose[ds]?|publish(?:e[ds])?)\s+(?:it\s+|this\s+|the\s+workflow\s+)?as|as)\s+an?\s+(?:mcp\s+)?tool" +
        @"(?:\s+(?:named|called)\s+(«q\d+»|[a-z][a-z0-9_.-]*))?(?:\s+by\s+(?:an?\s+)?(?:agent|assistant|client|llm))?", RegexOptions.IgnoreCase)]
    private static partial Regex McpTriggerPattern();

    [GeneratedRegex(@"^(?:(?:when(?:ever)?|once|each\s+time|every\s+time|as\s+soon\s+as|on\s+(?:each|every|an?))\s+" +
        @"([^,;.]*?(?:webhook|arriv\w*|comes?\s+in|received|is\s+posted|gets\s+posted|posted|submitted|is\s+sent|hits|http\s+call|" +
        @"post\s+request|request\s+(?:is\s+)?made)[^,;.]*?)|(?:receive|accept|take|get|grab)\s+(?:an?|the)\s+(?:incoming\s+|new\s+)?(?:webhook|request|http\s+post)[^,;.]*?|on\s+(?:a\s+)?webhook)" +
        @"(?:\s*,\s*|\s*(?=[.;])|\s+then\s+|\s+(?=(?:" + Verbs + @")\b)|$)", RegexOptions.IgnoreCase)]
    private static partial Regex WebhookTriggerPattern();

    [GeneratedRegex(@"\s*,?\s*\b(?:(?:that|which)\s+)?(?:(?:is|are|gets?)\s+)?(?:sent|received|posted|arriving|coming\s+in|delivered)?" +
        @"\s*\b(?:by|via|through|over|from)\s+(?:an?\s+|the\s+)?webhook\b", RegexOptions.IgnoreCase)]
    private static partial Regex WebhookAnywherePattern();

    [GeneratedRegex(@"\bat\s+(?<time>\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d{2}|noon|midnight)\b\s*,?", RegexOptions.IgnoreCase)]
    private static partial Regex AnyTimePattern();

    [GeneratedRegex(@"\s*\b(?:when\s+(?:i|we|someone|a\s+user)\s+(?:start|run|click|press|trigger)\s+it(?:\s+(?:manually|by\s+hand))?|on\s+demand|manually|by\s+hand)\b\s*,?", RegexOptions.IgnoreCase)]
    private static partial Regex ManualTriggerPattern();

    [GeneratedRegex(@"(?:\b(?:every|each)\s+(?<unit>weekday|work\s*day|business\s+day|day|morning|evening|night|hour|minute|week|month|weekend|" +
        @"monday|tuesday|wednesday|thursday|friday|saturday|sunday|" +
        @"(?<n>\d+|two|three|four|five|six|ten|twelve|fifteen|twenty|thirty)\s+(?<nunit>minutes|hours|days))" +
        @"|\bonce\s+(?:a|an|per|every)\s+(?<unit>day|week|month|hour)|\b(?<unit>daily|nightly|hourly|weekly|monthly)" +
        @"|\bon\s+(?<unit>weekdays|weekends|mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays))(?:\s+at\s+" +
        @"(?<time>\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?|noon|midnight))?(?:\s*(?:in\s+|\()?(?<tz>[A-Z][a-z]+/[A-Za-z_]+)\)?)?\s*,?", RegexOptions.IgnoreCase)]
    private static partial Regex SchedulePattern();

    [GeneratedRegex(@"^\s*at\s+(?<time>\d{1,2}(?::\d{2})?\s*(?:am|pm)?|noon|midnight)\s*,?\s*", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingTimePattern();

    [GeneratedRegex(@"(?<=[.;!?])\s+|(?<=[.;!?])$")]
    private static partial Regex SentenceBreak();

    [GeneratedRegex(@"\s+and\s+then\s+|\s*,?\s*\b(?:and\s+)?(?<then>then|finally|afterwards|after\s+that|next|lastly)\b\s*,?\s*|" +
        @"\s+and\s*,\s*(?=(?:if|unless|when)\b)|\s*,?\s*\b(?<else>otherwise|else|if\s+not)\b\s*,?\s*|" +
        @"\s*,\s*(?:and\s+|but\s+)?(?=(?:if|when|unless|in\s+case|only\s+if)\b)|\s+(?:and|but)\s+(?=(?:if|unless)\b)|" +
        @"\s*,\s*(?:and\s+)?(?<and>also\s+)?(?=(?:" + Verbs + @")\b" + NotNoun + @")|" +
        @"\s+and\s+(?:also\s+)?(?=(?:" + Verbs + @")\b" + NotNoun + @")", RegexOptions.IgnoreCase)]
    private static partial Regex ClauseBreak();

    [GeneratedRegex(@"^(?:(?:and\s+)?then\s+)?(?:wait|pause|sleep|hold(?:\s+on)?|delay(?:\s+it)?)(?:\s+for)?\s+" +
        @"(?<n>\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|ten|twelve|fifteen|twenty|thirty|half\s+an?)\s*-?\s*" +
        @"(?<unit>second|sec|minute|min|hour|hr|day|week)s?\b(?<rest>.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex WaitPattern();

    [GeneratedRegex(@"^after\s+(?<n>\d+(?:\.\d+)?|an?|one|two|three|four|five|six|ten|twelve|twenty|thirty|half\s+an?)\s*-?\s*" +
        @"(?<unit>second|minute|hour|day|week)s?\b\s*,?\s*(?<rest>.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex AfterPattern();

    [GeneratedRegex(@"\b(?:approv\w*|sign[- ]?off|signs?\s+off|sign\s+it\s+off)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ApprovalPattern();

    [GeneratedRegex(@"^(?:reply|respond|answer|send\s+back|return)\b(?!\s+(?:\d|«q\d+»\s+units))" +
        @"(?:\s+(?:to\s+the\s+(?:caller|requester|client)|back))?(?:\s+(?:with|saying|that))?\s*(?<what>.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex ReplyPattern();

    [GeneratedRegex(@"^(?:fail|abort|raise|throw|stop\s+with)\b(?:\s+(?:the\s+run|it))?(?:\s+(?:with|saying))?\s*(?<what>.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex FailPattern();

    [GeneratedRegex(@"^(?<body>.*?)\s*,?\s*\b(?:until|till)\b\s+(?<until>.*?)\s*,?\s*" +
        @"(?:\(|\b)(?:at\s+most|up\s+to|no\s+more\s+than|max(?:imum)?(?:\s+of)?|for\s+at\s+most)" +
        @"\s+(?<n>\d+|two|three|four|five|six|seven|eight|nine|ten|twenty)\s+(?:times|tries|attempts|rounds|iterations)\)?(?<rest>.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex LoopPattern();

    [GeneratedRegex(@"\b(?:waiting|pausing|with)\s+(?<n>\d+|an?|one|two|five|ten|fifteen|thirty)\s*(?<unit>second|minute|hour)s?\s+between\b[^,]*|" +
        @"\bevery\s+(?<n>\d+|two|five|ten|fifteen|thirty)\s*(?<unit>second|minute|hour)s?\b", RegexOptions.IgnoreCase)]
    private static partial Regex LoopWaitPattern();

    [GeneratedRegex(@"\b(?:governed|under\s+governance|through\s+the\s+trust\s+system|with\s+the\s+trust\s+system|under\s+the\s+trust\s+system|as\s+a\s+governed\s+action)\b", RegexOptions.IgnoreCase)]
    private static partial Regex GovernedPattern();

    [GeneratedRegex(@"^(?:if|when|whenever|unless|in\s+case|only\s+if|should)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ConditionStart();

    [GeneratedRegex(@"^(?:otherwise|else|if\s+not)\b\s*,?\s*", RegexOptions.IgnoreCase)]
    private static partial Regex OtherwiseStart();

    [GeneratedRegex(@"^(?:first|first\s+of\s+all|please|just|also|and|now)\b\s*,?\s*", RegexOptions.IgnoreCase)]
    private static partial Regex Filler();

    [GeneratedRegex(@"(?<n>\d+|two|three|four|five)\s+(?:\w+\s+)?(?:approvals|approvers|sign[- ]?offs|people|persons|pharmacists|managers|reviewers|admins)\b|" +
        @"\b(?:two|2)\s+(?:separate\s+)?\w*\s*approv\w*", RegexOptions.IgnoreCase)]
    private static partial Regex ApprovalCountPattern();

    [GeneratedRegex(@"\b(?:within|expir\w*\s+(?:after|in)|times?\s+out\s+after|for\s+at\s+most)\s+" +
        @"(?<n>\d+|an?|one|two|three|seven|twelve|twenty-four|24|48)\s*(?<unit>minute|hour|day|week)s?", RegexOptions.IgnoreCase)]
    private static partial Regex ExpiryPattern();

    [GeneratedRegex(@"\b(?:status|code)\s+(?<s>[1-5]\d\d)\b|\b(?:a|an|with)\s+(?<s>[1-5]\d\d)\b", RegexOptions.IgnoreCase)]
    private static partial Regex StatusPattern();

    private static readonly Regex VerbStart = new(@"^(?:" + Verbs + @")\b", RegexOptions.IgnoreCase | RegexOptions.Compiled);

    private static readonly string[] Roles = ["pharmacist", "prescriber", "manager", "supervisor", "admin", "administrator",
        "operator", "reviewer", "approver", "doctor", "lead", "owner", "technician", "clinician", "nurse"];

    /// <summary>Parses a request; never throws for any text.</summary>
    public static ParsedRequest Parse(string prompt)
    {
        var (text, values) = SetAside(prompt);
        var (trigger, rest) = ReadTrigger(text, values);
        var clauses = Clauses(rest);
        var steps = Steps(clauses);
        return new ParsedRequest(trigger, steps, values);
    }

    /// <summary>Replaces quoted values and URLs by placeholders.</summary>
    internal static (string Text, PromptValues Values) SetAside(string prompt)
    {
        var urls = new List<string>();
        var text = UrlPattern().Replace(prompt, m =>
        {
            urls.Add(m.Value);
            return $"«u{urls.Count - 1}»";
        });
        var quotes = new List<string>();
        text = QuotePattern().Replace(text, m =>
        {
            var value = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value;
            quotes.Add(value);
            return $"«q{quotes.Count - 1}»";
        });
        text = Rx.Replace(text, @"\s+", " ").Trim();
        return (text, new PromptValues(quotes, urls));
    }

    private static (PlanTrigger Trigger, string Remaining) ReadTrigger(string text, PromptValues values)
    {
        if (McpTriggerPattern().Match(text) is { Success: true } mcp)
        {
            var name = mcp.Groups[1].Success ? Unquote(mcp.Groups[1].Value, values) : null;
            var rest = Tidy(text.Remove(mcp.Index, mcp.Length));
            var toolName = name is not null ? PlanText.Slug(name, 64).Replace("n_", "", StringComparison.Ordinal) : null;
            var assumptions = new List<string>();
            if (toolName is null || !Rx.IsMatch(toolName, "^[a-z][a-z0-9_.-]{0,63}$"))
            {
                toolName = ToolNameFrom(rest);
                assumptions.Add($"The workflow is published as the MCP tool '{toolName}' (named after its first step).");
            }

            return (new PlanTrigger("trigger.mcp", new JsonObject { ["toolName"] = toolName, ["description"] = Restore(Tidy(rest), values) }, mcp.Value.Trim(), assumptions), rest);
        }

        var firstSentenceEnd = text.IndexOfAny(['.', ';', '!', '?']);
        var head = firstSentenceEnd < 0 ? text : text[..firstSentenceEnd];
        if (!head.Contains("until", StringComparison.OrdinalIgnoreCase) && SchedulePattern().Match(head) is { Success: true } schedule)
        {
            var (cron, assumption) = Cron(schedule, head);
            var config = new JsonObject { ["cron"] = cron };
            if (schedule.Groups["tz"].Success)
            {
                config["timeZone"] = schedule.Groups["tz"].Value;
            }

            var rest = text.Remove(schedule.Index, schedule.Length);
            rest = LeadingTimePattern().Replace(rest, "");
            if (!schedule.Groups["time"].Success && AnyTimePattern().Match(head) is { Success: true } at && (at.Index + at.Length <= schedule.Index || at.Index >= schedule.Index + schedule.Length))
            {
                var (hour, minute) = Time(at.Groups["time"].Value);
                var fields = cron.Split(' ');
                if (fields[0] is not ("*" or "0") || fields[1].Contains('*', StringComparison.Ordinal) || fields.Length != 5)
                {
                    return (new PlanTrigger("trigger.schedule", config, schedule.Value.Trim(), [assumption]), Tidy(rest));
                }

                var timed = $"{minute} {hour} {fields[2]} {fields[3]} {fields[4]}";
                config["cron"] = timed;
                assumption = $"'{schedule.Value.Trim(' ', ',')}' {at.Value.Trim(' ', ',')} is the cron '{timed}' ({(string?)config["timeZone"] ?? "UTC"}).";
                rest = rest.Replace(at.Value, " ", StringComparison.Ordinal);
            }
            return (new PlanTrigger("trigger.schedule", config, schedule.Value.Trim(), [assumption]), Tidy(rest));
        }

        if (WebhookTriggerPattern().Match(text) is { Success: true } webhook)
        {
            return (new PlanTrigger("trigger.webhook", [], webhook.Value.Trim(' ', ','), []), Tidy(text[webhook.Length..]));
        }

        if (WebhookAnywherePattern().Match(text) is { Success: true } via)
        {
            return (new PlanTrigger("trigger.webhook", [], via.Value.Trim(' ', ','), []), Tidy(text.Remove(via.Index, via.Length)));
        }

        if (ManualTriggerPattern().Match(text) is { Success: true } manual)
        {
            return (new PlanTrigger("trigger.manual", [], manual.Value.Trim(' ', ','), []), Tidy(text.Remove(manual.Index, manual.Length)));
        }

        return (new PlanTrigger("trigger.manual", [], null, ["Nothing says how the run starts, so it starts by hand (manual trigger)."]), text);
    }

    private static string ToolNameFrom(string rest)
    {
        var words = PlanText.Words(Rx.Replace(rest, "«[qu]\\d+»", " ")).Where(w => !w.All(char.IsDigit)).Take(3).ToList();
        var name = string.Join('_', words);
        return name.Length == 0 || !char.IsLetter(name[0]) ? "planned_workflow" : name[..Math.Min(name.Length, 64)];
    }

    private static (string Cron, string Assumption) Cron(Match m, string text)
    {
        var unit = m.Groups["unit"].Value.ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal);
        var hasTime = m.Groups["time"].Success;
        var (hour, minute) = hasTime ? Time(m.Groups["time"].Value) : DefaultTime(unit);
        if (!hasTime && LeadingTimePattern().Match(text[(m.Index + m.Length)..]) is { Success: true } later)
        {
            (hour, minute) = Time(later.Groups["time"].Value);
            hasTime = true;
        }

        var at = $"{minute} {hour}";
        var tz = m.Groups["tz"].Success ? m.Groups["tz"].Value : "UTC";
        if (m.Groups["n"].Success)
        {
            var n = PlanText.Count(m.Groups["n"].Value) ?? 1;
            var cron = m.Groups["nunit"].Value.ToLowerInvariant() switch
            {
                "minutes" => $"*/{n} * * * *",
                "hours" => $"0 */{n} * * *",
                _ => $"{minute} {hour} */{n} * *",
            };
            return (cron, $"'{m.Value.Trim(' ', ',')}' is the cron '{cron}' ({tz}).");
        }

        var expression = unit switch
        {
            "hour" or "hourly" => "0 * * * *",
            "minute" => "* * * * *",
            "weekday" or "workday" or "businessday" or "weekdays" => $"{at} * * 1-5",
            "weekend" or "weekends" => $"{at} * * 0,6",
            "week" or "weekly" => $"{at} * * 1",
            "month" or "monthly" => $"{at} 1 * *",
            "monday" or "mondays" => $"{at} * * 1",
            "tuesday" or "tuesdays" => $"{at} * * 2",
            "wednesday" or "wednesdays" => $"{at} * * 3",
            "thursday" or "thursdays" => $"{at} * * 4",
            "friday" or "fridays" => $"{at} * * 5",
            "saturday" or "saturdays" => $"{at} * * 6",
            "sunday" or "sundays" => $"{at} * * 0",
            _ => $"{at} * * *",
        };
        var note = hasTime || unit is "hour" or "hourly" or "minute" ? "" : $" (no time given: {hour:00}:{minute:00})";
        return (expression, $"'{m.Value.Trim(' ', ',')}' is the cron '{expression}' ({tz}){note}.");
    }

    private static (int Hour, int Minute) DefaultTime(string unit) => unit switch
    {
        "evening" => (18, 0),
        "night" or "nightly" => (2, 0),
        "morning" => (8, 0),
        _ => (9, 0),
    };

    private static (int Hour, int Minute) Time(string text)
    {
        var t = text.ToLowerInvariant().Replace(".", "", StringComparison.Ordinal).Trim();
        if (t == "noon")
        {
            return (12, 0);
        }

        if (t == "midnight")
        {
            return (0, 0);
        }

        var pm = t.EndsWith("pm", StringComparison.Ordinal);
        var am = t.EndsWith("am", StringComparison.Ordinal);
        t = t.Replace("am", "", StringComparison.Ordinal).Replace("pm", "", StringComparison.Ordinal).Trim();
        var parts = t.Split(':');
        var hour = int.Parse(parts[0], CultureInfo.InvariantCulture);
        var minute = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
        if (pm && hour < 12)
        {
            hour += 12;
        }
        else if (am && hour == 12)
        {
            hour = 0;
        }

        return (Math.Clamp(hour, 0, 23), Math.Clamp(minute, 0, 59));
    }

    /// <summary>A clause, how it is attached to the one before, and its sentence.</summary>
    internal sealed record Clause(string Text, ClauseLink Link, int Sentence)
    {
        public bool IsCondition => ConditionStart().IsMatch(Text);
    }

    internal enum ClauseLink
    {
        Start,
        Then,
        And,
        Otherwise,
    }

    internal static List<Clause> Clauses(string text)
    {
        var clauses = new List<Clause>();
        var sentences = SentenceBreak().Split(text).Select(s => s.Trim().TrimEnd('.', ';', '!', '?').Trim()).Where(s => s.Length > 0).ToList();
        for (var s = 0; s < sentences.Count; s++)
        {
            var sentence = sentences[s];
            var link = ClauseLink.Start;
            var start = 0;
            foreach (Match m in ClauseBreak().Matches(sentence))
            {
                if (m.Index > start || (m.Index == start && m.Length > 0 && (m.Groups["then"].Success || m.Groups["else"].Success)))
                {
                    Add(clauses, sentence[start..m.Index], link, s);
                }

                link = m.Groups["then"].Success ? ClauseLink.Then : m.Groups["else"].Success ? ClauseLink.Otherwise : ClauseLink.And;
                start = m.Index + m.Length;
            }

            Add(clauses, sentence[start..], link, s);
        }

        return clauses;
    }

    private static void Add(List<Clause> clauses, string text, ClauseLink link, int sentence)
    {
        var t = Rx.Replace(Filler().Replace(text.Trim(' ', ',', ':'), "").Trim(' ', ','), @"\s+(?:and|but|or)$", "", RegexOptions.IgnoreCase);
        if (t.Length == 0)
        {
            if (link == ClauseLink.Otherwise)
            {
                clauses.Add(new Clause("", link, sentence));
            }

            return;
        }

        if (OtherwiseStart().Match(t) is { Success: true } otherwise)
        {
            t = t[otherwise.Length..];
            link = ClauseLink.Otherwise;
        }

        clauses.Add(new Clause(t, link, sentence));
    }

    private static List<PlanStep> Steps(List<Clause> clauses)
    {
        var steps = new List<PlanStep>();
        var i = 0;
        while (i < clauses.Count)
        {
            var clause = clauses[i];
            if (clause.IsCondition)
            {
                steps.Add(Branch(clauses, ref i));
                continue;
            }

            if (clause.Link == ClauseLink.Otherwise && steps.Count > 0 && steps[^1] is BranchStep { Else.Count: 0 } open)
            {
                steps[^1] = open with { Else = Part(clauses, ref i, clause.Sentence, first: true) };
                continue;
            }

            AddStep(steps, clause.Text);
            i++;
        }

        return steps;
    }

    private static BranchStep Branch(List<Clause> clauses, ref int i)
    {
        var clause = clauses[i];
        var body = ConditionStart().Replace(clause.Text, "").Trim(' ', ',');
        var negated = clause.Text.StartsWith("unless", StringComparison.OrdinalIgnoreCase);
        var nextIsAction = i + 1 < clauses.Count && clauses[i + 1].Sentence == clause.Sentence && clauses[i + 1].Link == ClauseLink.And;
        var (conditionText, inline) = nextIsAction ? (body, null) : SplitCondition(body);
        var then = new List<PlanStep>();
        if (inline is not null)
        {
            AddStep(then, inline);
        }

        i++;
        while (i < clauses.Count && clauses[i].Sentence == clause.Sentence && clauses[i].Link == ClauseLink.And && !clauses[i].IsCondition)
        {
            AddStep(then, clauses[i].Text);
            i++;
        }

        List<PlanStep> otherwise = [];
        if (i < clauses.Count && clauses[i].Link == ClauseLink.Otherwise)
        {
            otherwise = Part(clauses, ref i, clauses[i].Sentence, first: true);
        }

        return new BranchStep(clause.Text, Condition(conditionText, negated), then, otherwise);
    }

    /// <summary>The clauses of an else-part: the "otherwise" clause and what "and"/commas attach to it in its sentence.</summary>
    private static List<PlanStep> Part(List<Clause> clauses, ref int i, int sentence, bool first)
    {
        var steps = new List<PlanStep>();
        while (i < clauses.Count && clauses[i].Sentence == sentence && (first || clauses[i].Link == ClauseLink.And))
        {
            if (clauses[i].Text.Length > 0)
            {
                if (clauses[i].IsCondition)
                {
                    steps.Add(Branch(clauses, ref i));
                    first = false;
                    continue;
                }

                AddStep(steps, clauses[i].Text);
            }

            first = false;
            i++;
        }

        return steps;
    }

    /// <summary>"fewer than 20 are left ask a pharmacist to approve" → the condition and the action, split before the first verb.</summary>
    internal static (string Condition, string? Action) SplitCondition(string body)
    {
        var matches = Rx.Matches(body, @"\S+");
        for (var k = 1; k < matches.Count; k++)
        {
            var word = matches[k].Value;
            if (!VerbStart.IsMatch(word) || !VerbStart.Match(word).Value.Equals(word.TrimEnd(',', '.'), StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var previous = matches[k - 1].Value.ToLowerInvariant().TrimEnd(',');
            var next = k + 1 < matches.Count ? matches[k + 1].Value.ToLowerInvariant() : "";
            if (previous is "the" or "a" or "an" or "to" or "stock" or "of" or "is" or "are" or "was" or "not" or "no"
                || next is "fails" or "failed" or "succeeds" or "is" or "are" or "was" or "returns")
            {
                continue;
            }

            return (body[..matches[k].Index].Trim(' ', ','), body[matches[k].Index..].Trim());
        }

        return (body, null);
    }

    internal static PlanCondition Condition(string text, bool negated)
    {
        var t = text.ToLowerInvariant();
        string? outcome = null;
        if (Rx.IsMatch(t, @"\b(?:reject\w*|declin\w*|den(?:y|ies|ied)|refus\w*|says\s+no|turns?\s+(?:it\s+)?down|not\s+approv\w*|disapprov\w*)\b"))
        {
            outcome = "rejected";
        }
        else if (Rx.IsMatch(t, @"\b(?:approv\w*|accept\w*|signs?\s+off|says\s+yes|agrees?|okays?)\b") && !Rx.IsMatch(t, @"\b(?:than|below|above|over|under|more|fewer|less)\b"))
        {
            outcome = "approved";
        }
        else if (Rx.IsMatch(t, @"\b(?:expir\w*|times?\s+out|timed\s+out|no\s+(?:one|body)\s+(?:answers|decides)|nobody\s+(?:answers|decides)|no\s+decision)\b"))
        {
            outcome = "expired";
        }
        else if (Rx.IsMatch(t, @"\b(?:fail\w*|errors?|goes\s+wrong|breaks|does\s*n[o']t\s+work|throws)\b") && !Rx.IsMatch(t, @"\b(?:contains?|mentions?|includes?)\b"))
        {
            outcome = "error";
        }

        return new PlanCondition(text, negated, outcome);
    }

    private static void AddStep(List<PlanStep> steps, string text)
    {
        var t = Filler().Replace(text.Trim(), "").Trim(' ', ',');
        if (t.Length == 0)
        {
            return;
        }

        if (AfterPattern().Match(t) is { Success: true } after)
        {
            steps.Add(new WaitStep(t, Seconds(after.Groups["n"].Value, after.Groups["unit"].Value)));
            AddStep(steps, after.Groups["rest"].Value);
            return;
        }

        if (WaitPattern().Match(t) is { Success: true } wait)
        {
            steps.Add(new WaitStep(t, Seconds(wait.Groups["n"].Value, wait.Groups["unit"].Value)));
            var rest = Rx.Replace(wait.Groups["rest"].Value, @"^\s*(?:,|and|before|then)?\s*(?:before\s+|then\s+)?", "", RegexOptions.IgnoreCase).Trim();
            if (rest.Length > 0 && VerbStart.IsMatch(rest))
            {
                AddStep(steps, rest);
            }

            return;
        }

        steps.Add(Classify(t));
    }

    private static PlanStep Classify(string t)
    {
        if (LoopPattern().Match(t) is { Success: true } loop && loop.Groups["body"].Value.Trim().Length > 0)
        {
            var bodyText = Rx.Replace(loop.Groups["body"].Value, @"^(?:keep\s+|repeat\s+|retry\s+|try\s+to\s+)?", "", RegexOptions.IgnoreCase).Trim();
            int? waitSeconds = null;
            if (LoopWaitPattern().Match(t) is { Success: true } between)
            {
                waitSeconds = Seconds(between.Groups["n"].Value, between.Groups["unit"].Value);
                bodyText = LoopWaitPattern().Replace(bodyText, "").Trim(' ', ',');
            }

            var until = LoopWaitPattern().Replace(loop.Groups["until"].Value, "").Trim(' ', ',');
            return new LoopStep(t, new ActionStep(bodyText, GovernedPattern().IsMatch(bodyText)), Condition(until, negated: false), PlanText.Count(loop.Groups["n"].Value) ?? 3, waitSeconds);
        }

        if (ReplyPattern().Match(t) is { Success: true } reply)
        {
            int? status = StatusPattern().Match(t) is { Success: true } s ? int.Parse(s.Groups["s"].Value, CultureInfo.InvariantCulture) : null;
            return new ReplyStep(t, reply.Groups["what"].Value.Trim(), status);
        }

        if (FailPattern().Match(t) is { Success: true } fail)
        {
            return new FailStep(t, fail.Groups["what"].Value.Trim());
        }

        if (ApprovalPattern().IsMatch(t) && !Rx.IsMatch(t, @"\b(?:request_|approval_)\w+", RegexOptions.IgnoreCase))
        {
            return Approval(t);
        }

        return new ActionStep(t, GovernedPattern().IsMatch(t));
    }

    private static ApprovalStep Approval(string t)
    {
        var lower = t.ToLowerInvariant();
        var words = PlanText.Words(lower);
        var role = Roles.FirstOrDefault(r => words.Contains(r) || words.Contains(r + "s"));
        var count = 1;
        if (ApprovalCountPattern().Match(lower) is { Success: true } m)
        {
            count = m.Groups["n"].Success ? PlanText.Count(m.Groups["n"].Value) ?? 2 : 2;
        }
        else if (Rx.IsMatch(lower, @"\bboth\b"))
        {
            // "a pharmacist and a manager to both approve"
            count = 2;
        }

        int? expires = ExpiryPattern().Match(lower) is { Success: true } e
            ? Seconds(e.Groups["n"].Value == "twenty-four" ? "24" : e.Groups["n"].Value, e.Groups["unit"].Value)
            : null;
        return new ApprovalStep(t, role, Math.Clamp(count, 1, 10), expires is { } x ? Math.Max(x, 60) : null);
    }

    internal static int Seconds(string amount, string unit)
    {
        var a = amount.ToLowerInvariant();
        double n = a.StartsWith("half", StringComparison.Ordinal) ? 0.5
            : double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : PlanText.Count(a) ?? 1;
        var u = unit.ToLowerInvariant();
        var factor = u.StartsWith("sec", StringComparison.Ordinal) ? 1
            : u.StartsWith("min", StringComparison.Ordinal) ? 60
            : u.StartsWith("h", StringComparison.Ordinal) ? 3600
            : u.StartsWith("d", StringComparison.Ordinal) ? 86400
            : 604800;
        return (int)Math.Round(n * factor);
    }

    /// <summary>Puts quoted values and URLs back into a text for people to read.</summary>
    internal static string Restore(string text, PromptValues values)
    {
        var restored = Rx.Replace(text, "«q(\\d+)»", m => $"'{values.Quotes[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)]}'");
        return Rx.Replace(restored, "«u(\\d+)»", m => values.Urls[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)]);
    }

    private static string Unquote(string token, PromptValues values)
    {
        var m = Rx.Match(token, "^«q(\\d+)»$");
        return m.Success ? values.Quotes[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] : token;
    }

    private static string Tidy(string text) => Rx.Replace(Rx.Replace(text, @"\s+", " "), @"^[\s,;:]+|[\s,]+$", "").Trim();

    internal static bool StartsWithVerb(string text) => VerbStart.IsMatch(text);
}
