namespace ControlTower.Core.Scheduling;

/// <summary>
/// The run state machine (DESIGN.md §2) as a pure function: same plan, state and event give the
/// same result. The Server commits the returned state and commands in one transaction, then
/// carries the commands out and feeds what happens back as events.
/// <para>Semantics.</para>
/// <list type="bullet">
/// <item>An edge is <em>resolved</em> when its source is final, <em>taken</em> when the source
/// finished with the outcome named by its source handle (a failed node's outcome is <c>error</c>).</item>
/// <item>A pending node becomes ready when all its incoming non-loop edges are resolved and at
/// least one was taken; when all are resolved and none was taken it is skipped, which resolves its
/// own outgoing edges as not taken (dead-path elimination: joins never hang). A <c>merge</c> in
/// mode <c>any</c> becomes ready on its first taken edge; its other edges still resolve.</item>
/// <item>Ready nodes are dispatched in topological order (at most <see cref="RunPlan.MaxParallelNodes"/>
/// running); each dispatch is one step; a dispatch beyond <see cref="RunPlan.StepBudget"/> fails the
/// run with <c>run.step_budget_exceeded</c>.</item>
/// <item>Failures: a retryable failure with tries left backs off (<see cref="ScheduleRetry"/>, delay
/// from <see cref="RetryBackoff"/>); otherwise the node fails with outcome <c>error</c>: caught when an
/// edge leaves its <c>error</c> handle, else the run fails (<see cref="FailRun"/> names the node,
/// code and message). An outcome the node does not declare is a non-retryable <c>node.outcome_undeclared</c> failure.</item>
/// <item>Loops: when a node finishes with the outcome of a loop edge, the edge is followed if its
/// counter is below <c>maxIterations</c>: every node reachable from the loop target over forward
/// edges (the region) is reset to pending (running ones are cancelled), counters of loops nested in
/// the region restart, and the target becomes ready at once (a taken loop edge activates its
/// target directly, whatever its forward inputs). Attempt numbers keep counting across
/// iterations, so idempotency keys stay unique. Beyond the bound the run fails with
/// <c>run.loop_bound_exceeded</c>. Model a loop exit as a condition whose other outcome leaves the loop.</item>
/// <item>Completion: when no node is ready, running, waiting or backing off, the run completes.
/// Its output is the output of the <c>respond</c> node that finished last, if one succeeded;
/// otherwise an object keyed by node id holding the outputs of the terminal nodes (succeeded nodes
/// none of whose outgoing edges was taken), in graph order.</item>
/// <item>Retry from the failed node (<see cref="RunRetryRequested"/>): a run that failed at a node
/// (the node is <c>Failed</c>) runs again from there: that node gets a fresh activation (its retry
/// policy starts over) and every node the failure cancelled is re-evaluated, so work that was in
/// flight is issued again with new attempt numbers. Completed work is kept; the step budget is not reset.</item>
/// </list>
/// </summary>
public static class RunScheduler
{
    public static SchedulerResult Apply(RunPlan plan, RunState state, RunEvent evt)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(evt);
        EnsureStateFitsPlan(plan, state);
        if (state.IsFinished && evt is not RunRetryRequested)
        {
            return new SchedulerResult(state, [], SchedulerIgnoredReasons.RunFinished);
        }

        if (state.Status == RunStatus.Pending && evt is not (RunStarted or CancelRequested))
        {
            return new SchedulerResult(state, [], SchedulerIgnoredReasons.RunNotStarted);
        }

        var transition = new SchedulerStep(plan, state, evt.Now);
        var ignored = evt switch
        {
            RunStarted e => transition.Start(e),
            NodeCompleted e => transition.Complete(e),
            NodeFailed e => transition.Fail(e),
            NodeWaiting e => transition.Wait(e),
            NodeResumed e => transition.Resume(e),
            RetryDue e => transition.RetryDue(e),
            NodeRetryRequested e => transition.RetryRequested(e),
            CancelRequested e => transition.Cancel(e),
            RunRetryRequested => transition.RetryRun(),
            _ => throw new SchedulerException(SchedulerErrorCodes.EventUnknown, $"The scheduler does not know event {evt.GetType().Name}."),
        };
        if (ignored is not null)
        {
            return new SchedulerResult(state, [], ignored);
        }

        transition.Settle();
        return new SchedulerResult(transition.Build(), transition.Commands);
    }

    private static void EnsureStateFitsPlan(RunPlan plan, RunState state)
    {
        var fits = state.Nodes.Length == plan.Nodes.Length && state.LoopIterations.Length == plan.LoopEdges.Length;
        for (var i = 0; fits && i < plan.Nodes.Length; i++)
        {
            fits = string.Equals(state.Nodes[i].NodeId, plan.Nodes[i].Id, StringComparison.Ordinal);
        }

        if (!fits)
        {
            throw new SchedulerException(SchedulerErrorCodes.StatePlanMismatch, $"The state of run '{state.RunId}' does not belong to this plan (a run must keep the workflow version it started on).");
        }
    }
}
