namespace ControlTower.Core.Trust.Learning;

/// <summary>
/// Computes each proposal's <see cref="ScopeHistory"/> from the events before it, as production would see them: walk a
/// time-ordered stream, call <see cref="Before"/> for a proposal, then <see cref="Record"/> its labels. A proposal's
/// own labels therefore never reach its own history.
/// </summary>
public sealed class ScopeHistoryBuilder
{
    private readonly Dictionary<string, ScopeState> _scopes = new(StringComparer.Ordinal);

    /// <summary>The history of <paramref name="scope"/> just before <paramref name="at"/>, from what was recorded so far.</summary>
    public ScopeHistory Before(TrustScope scope, DateTimeOffset at)
    {
        if (!_scopes.TryGetValue(scope.Key, out var state))
        {
            return new ScopeHistory(0, null, 0, null);
        }

        var hourAgo = at.AddHours(-1);
        while (state.Recent.Count > 0 && state.Recent.Peek() <= hourAgo)
        {
            state.Recent.Dequeue();
        }

        var decided = state.Approved + state.Rejected;
        return new ScopeHistory(
            state.Proposals,
            decided == 0 ? null : state.Approved / (double)decided,
            state.Recent.Count(t => t <= at),
            state.LastFailure is { } failure ? Math.Max(0, (at - failure).TotalHours) : null);
    }

    /// <summary>Adds one proposal and what happened to it.</summary>
    public void Record(TrustScope scope, DateTimeOffset at, bool? approved, bool? succeeded)
    {
        if (!_scopes.TryGetValue(scope.Key, out var state))
        {
            state = new ScopeState();
            _scopes[scope.Key] = state;
        }

        state.Proposals++;
        state.Recent.Enqueue(at);
        state.Approved += approved == true ? 1 : 0;
        state.Rejected += approved == false ? 1 : 0;
        if (succeeded == false && (state.LastFailure is null || at > state.LastFailure))
        {
            state.LastFailure = at;
        }
    }

    /// <summary>
    /// The examples in time order (stable for equal times), each with the history of the examples before it.
    /// The <see cref="TrustProposal.History"/> the examples arrive with is ignored.
    /// </summary>
    public static IReadOnlyList<TrustExample> WithHistory(IEnumerable<TrustExample> examples)
    {
        var builder = new ScopeHistoryBuilder();
        var result = new List<TrustExample>();
        foreach (var example in examples.OrderBy(e => e.Proposal.At))
        {
            var proposal = example.Proposal;
            result.Add(example with { Proposal = proposal with { History = builder.Before(proposal.Scope, proposal.At) } });
            builder.Record(proposal.Scope, proposal.At, example.Approved, example.Succeeded);
        }

        return result;
    }

    private sealed class ScopeState
    {
        public int Proposals { get; set; }

        public int Approved { get; set; }

        public int Rejected { get; set; }

        public DateTimeOffset? LastFailure { get; set; }

        public Queue<DateTimeOffset> Recent { get; } = new();
    }
}
