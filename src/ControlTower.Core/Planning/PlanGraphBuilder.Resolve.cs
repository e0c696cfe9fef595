using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ControlTower.Core.Planning;

/// <summary>Picking the node for an action phrase, and the references between nodes.</summary>
internal sealed partial class PlanGraphBuilder
{
    /// <summary>Accept a ranked tool only when it matched this share of the phrase's informative terms, in its name or title.</summary>
    internal const double MinCoverage = 0.5;

    private static readonly string[] GenericTerms = ["get", "list", "read", "create", "write", "delete", "add", "search", "edit", "file", "directory", "move", "open", "info", "tool", "demonstrate"];

    internal sealed record Resolved(string IdHint, string Type, string Name, JsonObject Config, string Explanation, PlannerTool? Tool);

    [GeneratedRegex(@"^(?:summari[sz]e|classify|categori[sz]e|translate|draft|compose|rewrite|paraphrase|explain|generate|analy[sz]e|score|detect\s+the\s+(?:sentiment|language)|" +
        @"ask\s+(?:the\s+|an?\s+)?(?:model|llm|ai|assistant|gpt)|have\s+(?:the\s+|an?\s+)?(?:model|llm|ai)|use\s+(?:the\s+|an?\s+)?(?:llm|ai|model)|" +
        @"let\s+(?:the\s+|an?\s+)?(?:model|llm|ai))\b|\b(?:with|using|via|by)\s+(?:the\s+|an?\s+)?(?:llm|ai|language\s+model|model|gpt)\b", RegexOptions.IgnoreCase)]
    private static partial Regex LlmCue();

    [GeneratedRegex(@"^(?:compute|calculate|format|build|extract|convert|normali[sz]e|map|combine|prepare|merge|pick|parse|shape|turn|reshape|assemble)\b", RegexOptions.IgnoreCase)]
    private static partial Regex TransformCue();

    [GeneratedRegex(@"\b(?:run|start|call|invoke|trigger)\s+(?:the\s+)?(?:(?:sub-?)?workflow\s+(?<id>«q\d+»)|(?<id>«q\d+»)\s+(?:sub-?)?workflow)", RegexOptions.IgnoreCase)]
    private static partial Regex SubworkflowCue();

    [GeneratedRegex(@"\b(?:rule\s*set|rules)\s+(?<id>«q\d+»)|(?<id>«q\d+»)\s+(?:rule\s*set|rules)\b", RegexOptions.IgnoreCase)]
    private static partial Regex RulesCue();

    [GeneratedRegex(@"\b(?:the\s+|our\s+|a\s+)?(?<name>[a-z][a-z0-9_-]*)\s+(?:mcp\s+)?server\b", RegexOptions.IgnoreCase)]
    private static partial Regex ServerMention();

    [GeneratedRegex(@"(?<![\w«-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w»])|`(?<tick>[^`]+)`")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"\b(?:governed|under\s+governance|through\s+the\s+trust\s+system|with\s+the\s+trust\s+system|under\s+the\s+trust\s+system|as\s+a\s+governed\s+action)\b", RegexOptions.IgnoreCase)]
    private static partial Regex GovernedWords();

    [GeneratedRegex(@"\b(?:post|send|submit|push|notify|create)\b", RegexOptions.IgnoreCase)]
    private static partial Regex PostCue();

    private Resolved? Resolve(ActionStep step)
    {
        var text = step.Text;
        var servers = request.Catalog.Select(t => t.Server).Distinct(StringComparer.Ordinal).ToList();
        string? server = null;
        var query = text;
        foreach (Match mention in ServerMention().Matches(text))
        {
            var name = mention.Groups["name"].Value.ToLowerInvariant();
            if (servers.FirstOrDefault(s => s.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } known)
            {
                server = known;
                query = query.Replace(mention.Value, " ", StringComparison.Ordinal);
            }
            else if (name is not ("mcp" or "same" or "other" or "that" or "this" or "file" or "web" or "http"))
            {
                _problems.Add(new PlanProblem(PlanProblemCodes.ServerUnknown,
                    $"\"{Words(text)}\" names the server '{name}', which is not registered; servers: {string.Join(", ", servers)}.", null));
                return null;
            }
        }

        if (server is null)
        {
            if (Rx.Match(text, @"\b(?:(?:on|in|to|from|with)\s+)?(?:the\s+)?file\s*system\b", RegexOptions.IgnoreCase) is { Success: true } fs && servers.Contains("filesystem"))
            {
                server = "filesystem";
                query = query.Replace(fs.Value, " ", StringComparison.Ordinal);
            }
            else if (NamedServer(text, servers) is { } named)
            {
                server = named;
                query = string.Join(' ', PlanText.Words(query).Where(w => !w.Equals(named, StringComparison.OrdinalIgnoreCase)));
            }
        }

        if (ExplicitTool(text, server) is { } explicitTool)
        {
            return explicitTool.Tool is null ? null : ToolNode(explicitTool.Tool, step, explicitTool.Why);
        }

        if (Rx.Match(text, "«u(\\d+)»") is { Success: true } url)
        {
            return Http(step, values.Urls[int.Parse(url.Groups[1].Value, CultureInfo.InvariantCulture)]);
        }

        if (LlmCue().IsMatch(text))
        {
            return Llm(step);
        }

        if (SubworkflowCue().Match(text) is { Success: true } sub)
        {
            var workflowId = QuoteIn(sub.Groups["id"].Value)!;
            return new Resolved("subworkflow", "subworkflow", "Run " + workflowId, new JsonObject { ["workflowId"] = PlanText.Slug(workflowId, 60).Replace('_', '-') },
                $"Runs the workflow '{workflowId}' and waits for it (\"{Words(text)}\").", null);
        }

        if (RulesCue().Match(text) is { Success: true } rules)
        {
            var ruleSetId = QuoteIn(rules.Groups["id"].Value)!;
            return new Resolved("rules", "rules", "Rules " + ruleSetId, new JsonObject { ["ruleSetId"] = PlanText.Slug(ruleSetId, 60).Replace('_', '-') },
                $"Evaluates the rule set '{ruleSetId}' (\"{Words(text)}\").", null);
        }

        // "20 units", "10 lines": the word after a number says how much, not which tool.
        var rankQuery = Rx.Replace(GovernedWords().Replace(query, " "), @"(?<![\w«])\d+(?:\.\d+)?\s+\w+", " ");
        var used = _built.Where(b => b.Tool is not null).Select(b => b.Tool!.Server).ToHashSet(StringComparer.Ordinal);
        var ranked = Refit(ranker.Rank(rankQuery, server, preferredServers: used), text).Where(m => TakesTheValues(m.Tool, text)).ToList();
        if (!ranked.Any(Acceptable) && PlanText.Terms(rankQuery).FirstOrDefault() == "get")
        {
            // A lookup where nothing is "got" is a search: "look up 'Alice' in memory".
            ranked = [.. Refit(ranker.Rank(rankQuery + " search", server, preferredServers: used), text).Where(m => TakesTheValues(m.Tool, text))];
        }

        bool Acceptable(ToolMatch m) => m.NameMatched && m.Coverage >= MinCoverage && m.Score >= ranked[0].Score / 2;
        if (ranked.FirstOrDefault(Acceptable) is { } best)
        {
            var runnerUp = ranked.FirstOrDefault(m => m != best) is { } next ? $"; next best {next.Tool.Name}" : "";
            return ToolNode(best.Tool, step, $"best catalog match for \"{Words(text)}\" (coverage {best.Coverage:0.00}{runnerUp})");
        }

        if (TransformCue().IsMatch(text))
        {
            return Transform(step);
        }

        // "send the result to the memory server": a server named with no tool for the verb gets its tool that stores things.
        if (server is not null
            && new[] { "create", "write", "add", "save" }.Select(v => ranker.Rank(v, server).FirstOrDefault(m => m.NameMatched))
            .FirstOrDefault(m => m is not null) is { } store
            && Rx.IsMatch(text, @"^(?:send|save|store|put|push|record|log|keep|copy)\b", RegexOptions.IgnoreCase))
        {
            _assumptions.Add($"\"{Words(text)}\" stores into the server '{server}' with {store.Tool.Name}.");
            return ToolNode(store.Tool, step, $"the server '{server}' is named and {store.Tool.Tool} is how it stores things");
        }

        var closest = (ranked.Count > 0 ? ranked : ranker.Rank(query)).Take(3).Select(m => m.Tool.Name).ToList();
        _problems.Add(new PlanProblem(PlanProblemCodes.ToolUnknown,
            closest.Count > 0
                ? $"No tool in the catalog does \"{Words(text)}\"{(server is null ? "" : $" on the server '{server}'")}; closest: {string.Join(", ", closest)}."
                : $"No tool in the catalog does \"{Words(text)}\", and nothing comes close.", null));
        return null;
    }

    /// <summary>
    /// Breaks near-ties by how well the clause's values fit a tool's parameters: a path in quotes favours tools that take a
    /// path ("read '/data/a.txt'" is a file, not the knowledge graph).
    /// </summary>
    private List<ToolMatch> Refit(IReadOnlyList<ToolMatch> ranked, string text)
    {
        var quotes = Rx.Matches(text, "«q(\\d+)»").Select(m => values.Quotes[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)]).ToList();
        if (ranked.Count < 2 || quotes.Count == 0)
        {
            return [.. ranked];
        }

        var kinds = PlanText.Terms(FileKindWords(text)).ToHashSet(StringComparer.Ordinal);
        double Fit(ToolMatch m)
        {
            var properties = m.Tool.InputSchema?["properties"] as JsonObject;
            var names = properties?.Select(p => p.Key).ToList() ?? [];
            var paths = quotes.Count(LooksLikePath);
            var fit = names.Count == 0 ? -0.5 : paths > 0 && names.Any(IsPathParameter) ? 0.5 : paths > 0 ? -0.5 : 0;
            var required = (m.Tool.InputSchema?["required"] as JsonArray)?.Select(r => (string?)r).ToList() ?? [];
            var wantsList = required.Any(r => r is not null && SchemaType(properties?[r]) == "array");
            var kind = PlanText.Terms(m.Tool.Tool + " " + m.Tool.Title).Intersect(kinds).Any() ? 0.3 : 0;
            var many = quotes.Count >= 2 && paths >= 2 && wantsList ? 0.5 : 0;
            return (quotes.Count == 1 && wantsList ? fit - 0.4 : fit) + kind + many;
        }

        var top = ranked[0].Score;
        return [.. ranked.Select((m, i) => (Match: m, Key: m.Score >= top * 0.75 ? m.Score + Fit(m) : m.Score, Order: i))
            .OrderByDescending(x => x.Key).ThenBy(x => x.Order).Select(x => x.Match)];
    }

    /// <summary>A server named as "in memory", "on the pharmacy", "with the everything …" (not followed by a quoted value).</summary>
    private static string? NamedServer(string text, IReadOnlyList<string> servers)
    {
        var words = Rx.Matches(text, @"«?[\w-]+»?").Select(m => m.Value.ToLowerInvariant()).ToList();
        for (var i = 1; i < words.Count; i++)
        {
            var previous = words[i - 1] == "the" && i > 1 ? words[i - 2] : words[i - 1];
            if (previous is "the" or "in" or "on" or "to" or "from" or "with" && (i + 1 >= words.Count || !words[i + 1].StartsWith('«'))
                && servers.FirstOrDefault(s => s.Equals(words[i], StringComparison.OrdinalIgnoreCase)) is { } server)
            {
                return server;
            }
        }

        return null;
    }

    /// <summary>A quoted path ("/tmp/a.txt") must have somewhere to go: a tool without a path parameter cannot be meant.</summary>
    private bool TakesTheValues(PlannerTool tool, string text)
    {
        var paths = Rx.Matches(text, "«q(\\d+)»").Select(m => values.Quotes[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)]).Count(q => q.Contains('/', StringComparison.Ordinal));
        return paths == 0 || ((tool.InputSchema?["properties"] as JsonObject)?.Any(p => IsPathParameter(p.Key)) ?? false);
    }

    /// <summary>A file name's extension says what kind of file it is: "notes.txt" is text, "logo.png" media.</summary>
    private string FileKindWords(string text)
    {
        var kinds = Rx.Matches(text, "«q(\\d+)»").Select(m => values.Quotes[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)])
            .Select(q => Rx.Match(q, @"\.([A-Za-z0-9]{1,5})$").Groups[1].Value.ToLowerInvariant())
            .Select(ext => ext switch
            {
                "txt" or "log" or "json" or "csv" or "md" or "xml" or "yaml" or "yml" or "conf" or "ini" or "html" or "cs" or "js" or "py" => " text",
                "png" or "jpg" or "jpeg" or "gif" or "webp" or "mp3" or "wav" or "ogg" => " media image",
                _ => "",
            });
        return string.Concat(kinds.Distinct(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"^(?:write|save|store|dump|post|send|put|upload|export|copy|push|publish)\s+(?:the\s+|a\s+|an\s+|our\s+)?" +
        @"(?<noun>[a-z][a-z ]*?)\s+(?:to|into|in|on|onto|at)\b", RegexOptions.IgnoreCase)]
    private static partial Regex SinkClause();

    /// <summary>
    /// "post the stock list to …", "dump the knowledge graph to …": a clause that sends something no earlier step made,
    /// which a reading tool of the catalog provides, gets that tool as a step of its own first.
    /// </summary>
    private ActionStep? Producer(ActionStep step)
    {
        if (SinkClause().Match(step.Text) is not { Success: true } sink)
        {
            return null;
        }

        var noun = sink.Groups["noun"].Value;
        // "the list", "the listing": words every catalog uses say nothing new, so they mean the previous step's output.
        if (PlanText.Terms(noun).Except(GenericTerms).Any() is false || ReferenceIn("get " + noun) is not null || Rx.IsMatch(noun, @"^(?:it|them|that|this|those|these)$", RegexOptions.IgnoreCase))
        {
            return null;
        }

        var best = ranker.Rank(noun).FirstOrDefault();
        var reads = best is not null && PlanText.Terms(best.Tool.Tool).FirstOrDefault() is "get" or "list" or "read" or "search";
        return best is { NameMatched: true, Coverage: >= 0.75 } && reads ? new ActionStep($"get the {noun}", false) : null;
    }

    /// <summary>A tool named outright ("run search_nodes", "`get-sum`"): taken if the catalog has it, a problem with the closest names if not.</summary>
    private (PlannerTool? Tool, string Why)? ExplicitTool(string text, string? server)
    {
        var candidates = request.Catalog.Where(t => server is null || t.Server == server).ToList();
        var tokens = Rx.Matches(text, @"[A-Za-z0-9][\w-]*").Select(m => m.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var tool in candidates)
        {
            if ((tool.Tool.Contains('_', StringComparison.Ordinal) || tool.Tool.Contains('-', StringComparison.Ordinal)) && tokens.Contains(tool.Tool))
            {
                return (tool, $"named in the request as '{tool.Tool}'");
            }
        }

        foreach (Match m in Identifier().Matches(text))
        {
            var name = m.Groups["tick"].Success ? m.Groups["tick"].Value : m.Value;
            var closest = ranker.Rank(name.Replace('_', ' ').Replace('-', ' '), server).Take(3).Select(t => t.Tool.Name).ToList();
            _problems.Add(new PlanProblem(PlanProblemCodes.ToolUnknown,
                $"No server offers a tool named '{name}'{(server is null ? "" : $" (server '{server}')")}{(closest.Count > 0 ? "; closest: " + string.Join(", ", closest) : "")}.", null));
            return (null, "");
        }

        return null;
    }

    private Resolved ToolNode(PlannerTool tool, ActionStep step, string why)
    {
        var arguments = Arguments(tool, step.Text);
        var config = new JsonObject { ["server"] = tool.Server, ["tool"] = tool.Tool };
        if (arguments.Count > 0)
        {
            config["arguments"] = arguments;
        }

        var name = tool.Title ?? Capitalize(tool.Tool.Replace('_', ' ').Replace('-', ' '));
        if (step.Governed)
        {
            var governed = new JsonObject
            {
                ["actionType"] = $"{PlanText.Slug(tool.Server, 30)}.{PlanText.Slug(tool.Tool, 30)}".Replace("n_", "", StringComparison.Ordinal),
                ["server"] = tool.Server,
                ["tool"] = tool.Tool,
            };
            if (arguments.Count > 0)
            {
                governed["arguments"] = arguments.DeepClone();
            }

            return new Resolved(tool.Tool, "governed.action", name, governed, $"Calls {tool.Name} under the trust system: it runs by itself when the stage allows, else asks a person ({why}).", tool);
        }

        return new Resolved(tool.Tool, "mcp.tool", name, config, $"Calls {tool.Name} ({why}).", tool);
    }

    private Resolved Http(ActionStep step, string url)
    {
        var method = Rx.Match(step.Text, @"\b(GET|POST|PUT|PATCH|DELETE)\b") is { Success: true } m ? m.Value
            : PostCue().IsMatch(step.Text) ? "POST" : "GET";
        var config = new JsonObject { ["method"] = method, ["url"] = url };
        if (method is "POST" or "PUT" or "PATCH")
        {
            config["body"] = ReferenceIn(step.Text) is { } referenced ? Reference(referenced, null) : _built.LastOrDefault() is { } last ? Reference(last, null) : "input";
        }

        return new Resolved("http_request", "http.request", $"{method} {new Uri(url).Host}", config, $"Sends an HTTP {method} to {url} (\"{Words(step.Text)}\").", null);
    }

    private Resolved Llm(ActionStep step)
    {
        var source = ReferenceIn(step.Text) is { } referenced ? "{{ " + Reference(referenced, null) + " }}"
            : _built.LastOrDefault() is { } last ? "{{ " + Reference(last, null) + " }}"
            : "{{ input }}";
        var instruction = Capitalize(Rx.Replace(Words(step.Text), @"\s*\b(?:with|using|via|by)\s+(?:the\s+|an?\s+)?(?:llm|ai|language\s+model|model|gpt)\b", "", RegexOptions.IgnoreCase));
        var config = new JsonObject { ["model"] = DefaultModel, ["prompt"] = $"{instruction.Replace("{{", "\\{{", StringComparison.Ordinal)}:\n\n{source}" };
        _assumptions.Add($"The LLM step uses the model '{DefaultModel}'; change it to one your endpoint serves.");
        var hint = Rx.Match(step.Text, @"^\w+").Value.ToLowerInvariant();
        return new Resolved(hint.Length > 2 ? hint : "llm", "llm", instruction, config, $"Asks the language model to {Words(step.Text)}.", null);
    }

    private Resolved Transform(ActionStep step)
    {
        var source = ReferenceIn(step.Text) is { } referenced ? Reference(referenced, null) : _built.LastOrDefault() is { } last ? Reference(last, null) : "input";
        var fields = PlanText.Words(Rx.Replace(step.Text, "«[qu]\\d+»", " "))
            .Skip(1)
            .Where(w => w.Length > 2 && !w.All(char.IsDigit) && PlanText.Terms(w).Count > 0
                && w is not ("from" or "into" or "the" or "and" or "request" or "result" or "output" or "input" or "response" or "data" or "object" or "json"))
            .Distinct(StringComparer.Ordinal)
            .Take(4)
            .ToList();
        var expression = fields.Count == 0 ? source : "{" + string.Join(", ", fields.Select(f => $"'{f}': {source}.{f}")) + "}";
        if (fields.Count > 0)
        {
            _assumptions.Add($"'{Words(step.Text)}' reads the fields {string.Join(", ", fields)} of {source}.");
        }

        var hint = Rx.Match(step.Text, @"^\w+").Value.ToLowerInvariant();
        return new Resolved(hint.Length > 2 ? hint : "transform", "transform", Capitalize(Words(step.Text)),
            new JsonObject { ["expression"] = expression }, $"Computes {Words(step.Text)} with a CEL expression.", null);
    }

    private IReadOnlySet<string> ReferenceTerms(Resolved node)
    {
        var terms = new HashSet<string>(StringComparer.Ordinal);
        if (node.Tool is { } tool)
        {
            terms.UnionWith(PlanText.Terms(tool.Tool));
            terms.UnionWith(PlanText.Terms(tool.Title ?? ""));
        }
        else
        {
            terms.UnionWith(PlanText.Terms(node.IdHint));
            terms.UnionWith(node.Type switch
            {
                "llm" => ["summary", "answer", "text", "classification", "translation", "draft", "sentiment", "category"],
                "http.request" => ["response", "body"],
                _ => ["value"],
            });
        }

        terms.ExceptWith(GenericTerms);
        return terms;
    }

    /// <summary>The earlier node a phrase points at: "it"/"the result" is the last one, "the stock" the last whose name says stock.</summary>
    private Built? ReferenceIn(string text)
    {
        if (_built.Count == 0)
        {
            return null;
        }

        var terms = PlanText.Terms(Rx.Replace(text, "«[qu]\\d+»", " "));
        for (var i = _built.Count - 1; i >= 0; i--)
        {
            if (terms.Skip(1).Any(_built[i].Terms.Contains))
            {
                return _built[i];
            }
        }

        return Rx.IsMatch(text, @"\b(?:it|that|this|them|the\s+(?:result|results|output|answer|response|outcome|value|data))\b", RegexOptions.IgnoreCase) ? _built[^1] : null;
    }

    /// <summary>CEL for the output of an earlier node, optionally one field of it.</summary>
    internal static string Reference(Built built, string? field)
    {
        var root = $"nodes.{built.Id}.output";
        return built.Type switch
        {
            "mcp.tool" when field is not null => $"{root}.structuredContent.{field}",
            "mcp.tool" when built.Tool?.OutputSchema is not null => $"{root}.structuredContent",
            "mcp.tool" => $"{root}.content[0].text",
            "llm" => $"{root}.text",
            "http.request" => field is null ? $"{root}.body" : $"{root}.body.{field}",
            _ => field is null ? root : $"{root}.{field}",
        };
    }

    private (string Body, string What) ReplyBody(string what)
    {
        if (QuoteIn(what) is { } quoted)
        {
            return (CelString(quoted), $"'{quoted}'");
        }

        if (ReferenceIn("reply " + what) is { } referenced)
        {
            return (Reference(referenced, null), $"the output of '{referenced.Id}'");
        }

        var words = Words(what);
        if (words.Length > 0 && !Rx.IsMatch(words, @"^(?:the\s+)?(?:result|results|output|answer|response|it)$", RegexOptions.IgnoreCase))
        {
            return (CelString(words), $"'{words}'");
        }

        return _built.LastOrDefault() is { } last ? (Reference(last, null), $"the output of '{last.Id}'") : ("input", "the run input");
    }

    internal static string CelString(string text) =>
        "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal) + "'";
}
