using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using ControlTower.Core.Graphs;

namespace ControlTower.Core.Scheduling;

/// <summary>
/// The working copy of one <see cref="RunScheduler.Apply"/>: mutable arrays over the immutable
/// state, replaced node by node, frozen again by <see cref="Build"/>. Never escapes Apply.
/// </summary>
internal sealed class SchedulerStep
{
    private readonly RunPlan _plan;
    private readonly RunState _original;
    private readonly DateTimeOffset _now;
    private readonly NodeRunState[] _nodes;
    private readonly int[] _loops;
    private RunStatus _status;
    private int _steps;
    private long _sequence;
    private string? _trigger;
    private JsonElement? _input;
    private JsonElement? _output;
    private RunError? _error;
    private DateTimeOffset? _startedAt;
    private DateTimeOffset? _finishedAt;

    public SchedulerStep(RunPlan plan, RunState state, DateTimeOffset now)
    {
        _plan = plan;
        _original = state;
        _now = now;
        _nodes = [.. state.Nodes];
        _loops = [.. state.LoopIterations];
        _status = state.Status;
        _steps = state.StepsUsed;
        _sequence = state.Sequence;
        _trigger = state.TriggerNodeId;
        _input = state.Input;
        _output = state.Output;
        _error = state.Error;
        _startedAt = state.StartedAt;
        _finishedAt = state.FinishedAt;
    }

    public List<RunCommand> Commands { get; } = [];

    private bool Ended => _status is RunStatus.Failed or RunStatus.Cancelled or RunStatus.Completed;

    public string? Start(RunStarted e)
    {
        if (_status != RunStatus.Pending)
        {
            return SchedulerIgnoredReasons.RunAlreadyStarted;
        }

        var triggerIndex = e.TriggerNodeId is null ? FirstTrigger() : IndexOf(e.TriggerNodeId);
        if (triggerIndex < 0 || !_plan.Nodes[triggerIndex].IsTrigger)
        {
            throw new SchedulerException(SchedulerErrorCodes.TriggerUnknown, e.TriggerNodeId is null ? "The plan has no trigger." : $"'{e.TriggerNodeId}' is not a trigger of this workflow.");
        }

        _status = RunStatus.Running;
        _input = e.Input;
        _startedAt = _now;
        _trigger = _plan.Nodes[triggerIndex].Id;
        _steps++;
        _nodes[triggerIndex] = _nodes[triggerIndex] with
        {
            Status = NodeStatus.Succeeded,
            Attempt = 1,
            Tries = 1,
            Activations = 1,
            Outcome = GraphEdge.DefaultSourceHandle,
            Output = e.Input,
            StartedAt = _now,
            FinishedAt = _now,
            CompletedSeq = ++_sequence,
        };
        return null;
    }

    public string? Complete(NodeCompleted e)
    {
        var i = IndexOf(e.NodeId);
        if (CheckActive(i, e.Attempt) is { } ignored)
        {
            return ignored;
        }

        if (!_plan.Nodes[i].Outcomes.Contains(e.Outcome))
        {
            FailNode(i, SchedulerErrorCodes.OutcomeUndeclared,
                $"Node '{e.NodeId}' reported outcome '{e.Outcome}', which it does not declare (it has: {string.Join(", ", _plan.Nodes[i].Outcomes)}).", retryable: false);
            return null;
        }

        _nodes[i] = _nodes[i] with
        {
            Status = NodeStatus.Succeeded,
            Outcome = e.Outcome,
            Output = e.Output,
            Error = null,
            WaitReason = null,
            FinishedAt = _now,
            CompletedSeq = ++_sequence,
        };
        FollowLoops(i);
        return null;
    }

    public string? Fail(NodeFailed e)
    {
        var i = IndexOf(e.NodeId);
        if (CheckActive(i, e.Attempt) is { } ignored)
        {
            return ignored;
        }

        FailNode(i, e.ErrorCode, e.Message, e.Retryable);
        return null;
    }

    public string? Wait(NodeWaiting e)
    {
        var i = IndexOf(e.NodeId);
        if (CheckActive(i, e.Attempt) is { } ignored)
        {
            return ignored;
        }

        _nodes[i] = _nodes[i] with { Status = NodeStatus.Waiting, WaitReason = e.Reason };
        return null;
    }

    public string? Resume(NodeResumed e)
    {
        var i = IndexOf(e.NodeId);
        if (CheckActive(i, e.Attempt) is { } ignored)
        {
            return ignored;
        }

        if (_nodes[i].Status != NodeStatus.Waiting)
        {
            return "event.node_not_waiting";
        }

        _nodes[i] = _nodes[i] with { Status = NodeStatus.Running, WaitReason = null };
        return null;
    }

    public string? RetryDue(RetryDue e)
    {
        var i = IndexOf(e.NodeId);
        if (i < 0)
        {
            return SchedulerIgnoredReasons.NodeUnknown;
        }

        var node = _nodes[i];
        if (node.Status != NodeStatus.BackingOff || e.Attempt != node.Attempt + 1)
        {
            return SchedulerIgnoredReasons.RetryStale;
        }

        _nodes[i] = node with { Status = NodeStatus.Ready, RetryDueAt = null };
        return null;
    }

    public string? RetryRequested(NodeRetryRequested e)
    {
        var i = IndexOf(e.NodeId);
        if (i < 0)
        {
            return SchedulerIgnoredReasons.NodeUnknown;
        }

        if (_nodes[i].Status != NodeStatus.Waiting)
        {
            return SchedulerIgnoredReasons.NodeNotWaiting;
        }

        Commands.Add(new CancelNode(_nodes[i].NodeId, _nodes[i].Attempt, "retry_requested"));
        _nodes[i] = _nodes[i] with { Status = NodeStatus.Ready, WaitReason = null };
        return null;
    }

    public string? RetryRun()
    {
        var i = _status == RunStatus.Failed && _error?.NodeId is { } failed ? IndexOf(failed) : -1;
        if (i < 0 || _nodes[i].Status != NodeStatus.Failed)
        {
            return SchedulerIgnoredReasons.RunNotRetryable;
        }

        _status = RunStatus.Running;
        _error = null;
        _finishedAt = null;
        _nodes[i] = _nodes[i] with
        {
            Status = NodeStatus.Ready,
            Tries = 0,
            Activations = _nodes[i].Activations + 1,
            Outcome = null,
            Output = null,
            Error = null,
            FinishedAt = null,
        };
        for (var n = 0; n < _nodes.Length; n++)
        {
            if (_nodes[n].Status == NodeStatus.Cancelled)
            {
                _nodes[n] = _nodes[n] with { Status = NodeStatus.Pending, FinishedAt = null };
            }
        }

        return null;
    }

    public string? Cancel(CancelRequested e)
    {
        _startedAt ??= _now;
        EndRun(RunStatus.Cancelled, e.Reason);
        Commands.Add(new CancelRun(e.Reason));
        return null;
    }

    /// <summary>Propagates edge resolution, dispatches ready nodes and completes the run when nothing is left to do.</summary>
    public void Settle()
    {
        if (Ended)
        {
            return;
        }

        Propagate();
        Dispatch();
        if (!Ended)
        {
            UpdateStatusOrComplete();
        }
    }

    /// <summary>Freezes the working copy; the arrays are handed over without a copy, so call it once, last.</summary>
    public RunState Build() => _original with
    {
        Status = _status,
        Nodes = ImmutableCollectionsMarshal.AsImmutableArray(_nodes),
        LoopIterations = ImmutableCollectionsMarshal.AsImmutableArray(_loops),
        StepsUsed = _steps,
        Sequence = _sequence,
        TriggerNodeId = _trigger,
        Input = _input,
        Output = _output,
        Error = _error,
        StartedAt = _startedAt,
        FinishedAt = _finishedAt,
    };

    private int IndexOf(string nodeId) => _plan.TryGetIndex(nodeId, out var i) ? i : -1;

    private int FirstTrigger()
    {
        foreach (var node in _plan.Nodes)
        {
            if (node.IsTrigger)
            {
                return node.Index;
            }
        }

        return -1;
    }

    private string? CheckActive(int i, int attempt)
    {
        if (i < 0)
        {
            return SchedulerIgnoredReasons.NodeUnknown;
        }

        var node = _nodes[i];
        if (node.Status is not (NodeStatus.Running or NodeStatus.Waiting))
        {
            return SchedulerIgnoredReasons.NodeNotRunning;
        }

        return attempt == node.Attempt ? null : SchedulerIgnoredReasons.StaleAttempt;
    }

    private void FailNode(int i, string code, string message, bool retryable)
    {
        var plan = _plan.Nodes[i];
        var node = _nodes[i];
        if (retryable && node.Tries < plan.Retry.MaxAttempts)
        {
            var due = _now + RetryBackoff.Delay(plan.Retry, _original.Seed, node.NodeId, node.Attempt, node.Tries);
            _nodes[i] = node with { Status = NodeStatus.BackingOff, Error = new NodeError(code, message), WaitReason = null, RetryDueAt = due };
            Commands.Add(new ScheduleRetry(node.NodeId, node.Attempt + 1, due));
            return;
        }

        _nodes[i] = node with
        {
            Status = NodeStatus.Failed,
            Outcome = NodeTypeDescriptor.ErrorOutcome,
            Output = null,
            Error = new NodeError(code, message),
            WaitReason = null,
            FinishedAt = _now,
            CompletedSeq = ++_sequence,
        };
        if (plan.HasErrorEdge)
        {
            FollowLoops(i);
        }
        else
        {
            FailRun(node.NodeId, code, message);
        }
    }

    private void FollowLoops(int i)
    {
        var outcome = _nodes[i].Outcome;
        foreach (var edgeIndex in _plan.Nodes[i].OutgoingLoops)
        {
            var edge = _plan.Edges[edgeIndex];
            if (Ended || edge.SourceHandle != outcome)
            {
                continue;
            }

            if (_loops[edge.LoopOrdinal] >= edge.MaxIterations)
            {
                var message = string.Create(CultureInfo.InvariantCulture,
                    $"The loop from '{_nodes[i].NodeId}' back to '{_plan.Nodes[edge.Target].Id}' reached its bound of {edge.MaxIterations} iterations.");
                FailRun(_nodes[i].NodeId, SchedulerErrorCodes.LoopBoundExceeded, message);
                return;
            }

            _loops[edge.LoopOrdinal]++;
            foreach (var inner in edge.InnerLoops)
            {
                _loops[inner] = 0;
            }

            foreach (var member in edge.Region)
            {
                ResetForIteration(member);
            }

            Activate(edge.Target);
        }
    }

    private void ResetForIteration(int i)
    {
        var node = _nodes[i];
        if (node.Status is NodeStatus.Running or NodeStatus.Waiting or NodeStatus.BackingOff)
        {
            Commands.Add(new CancelNode(node.NodeId, node.Attempt, "loop_iteration"));
        }

        if (node.Status != NodeStatus.Pending)
        {
            _nodes[i] = node with { Status = NodeStatus.Pending, WaitReason = null, RetryDueAt = null };
        }
    }

    private void Activate(int i) =>
        _nodes[i] = _nodes[i] with { Status = NodeStatus.Ready, Tries = 0, Activations = _nodes[i].Activations + 1 };

    private void Propagate()
    {
        foreach (var i in _plan.TopologicalOrder)
        {
            if (_nodes[i].Status != NodeStatus.Pending)
            {
                continue;
            }

            var plan = _plan.Nodes[i];
            bool allResolved = true, anyTaken = false;
            foreach (var edgeIndex in plan.IncomingForward)
            {
                var edge = _plan.Edges[edgeIndex];
                var source = _nodes[edge.Source];
                if (!source.IsFinal)
                {
                    allResolved = false;
                }
                else if (source.Outcome == edge.SourceHandle && source.Status is NodeStatus.Succeeded or NodeStatus.Failed)
                {
                    anyTaken = true;
                }
            }

            if (anyTaken && (allResolved || plan.MergeAny))
            {
                Activate(i);
            }
            else if (allResolved)
            {
                _nodes[i] = _nodes[i] with { Status = NodeStatus.Skipped, Outcome = null, Output = null, Error = null, FinishedAt = _now };
            }
        }
    }

    private void Dispatch()
    {
        var running = 0;
        foreach (var node in _nodes)
        {
            running += node.Status == NodeStatus.Running ? 1 : 0;
        }

        foreach (var i in _plan.TopologicalOrder)
        {
            if (_nodes[i].Status != NodeStatus.Ready)
            {
                continue;
            }

            if (_plan.MaxParallelNodes > 0 && running >= _plan.MaxParallelNodes)
            {
                return;
            }

            if (_steps >= _plan.StepBudget)
            {
                var message = string.Create(CultureInfo.InvariantCulture, $"The run used its budget of {_plan.StepBudget} steps before node '{_nodes[i].NodeId}' could run.");
                FailRun(_nodes[i].NodeId, SchedulerErrorCodes.StepBudgetExceeded, message);
                return;
            }

            _steps++;
            running++;
            var plan = _plan.Nodes[i];
            var node = _nodes[i] with
            {
                Status = NodeStatus.Running,
                Attempt = _nodes[i].Attempt + 1,
                Tries = _nodes[i].Tries + 1,
                StartedAt = _now,
                FinishedAt = null,
                RetryDueAt = null,
                WaitReason = null,
            };
            _nodes[i] = node;
            var key = string.Create(CultureInfo.InvariantCulture, $"{_original.RunId}:{node.NodeId}:{node.Attempt}");
            Commands.Add(new ExecuteNode(node.NodeId, plan.Type, node.Attempt, key, Activation(plan, node), plan.Timeout));
        }
    }

    private NodeActivation Activation(PlanNode plan, NodeRunState node)
    {
        var upstream = ImmutableArray.CreateBuilder<UpstreamResult>(plan.Ancestors.Length);
        foreach (var a in plan.Ancestors)
        {
            var ancestor = _nodes[a];
            if (ancestor.Outcome is { } outcome)
            {
                upstream.Add(new UpstreamResult(ancestor.NodeId, outcome, ancestor.Output, ancestor.Error));
            }
        }

        return new NodeActivation(_original.RunId, node.NodeId, node.Attempt, node.Activations, _input, upstream.DrainToImmutable());
    }

    private void UpdateStatusOrComplete()
    {
        bool active = false, waiting = false;
        foreach (var node in _nodes)
        {
            active |= node.Status is NodeStatus.Ready or NodeStatus.Running;
            waiting |= node.Status is NodeStatus.Waiting or NodeStatus.BackingOff;
        }

        if (active || waiting)
        {
            _status = active ? RunStatus.Running : RunStatus.Waiting;
            return;
        }

        _output = RunOutput();
        _status = RunStatus.Completed;
        _finishedAt = _now;
        Commands.Add(new CompleteRun(_output));
    }

    private JsonElement? RunOutput()
    {
        NodeRunState? respond = null;
        foreach (var plan in _plan.Nodes)
        {
            var node = _nodes[plan.Index];
            if (plan.IsRespond && node.Status == NodeStatus.Succeeded && (respond is null || node.CompletedSeq > respond.CompletedSeq))
            {
                respond = node;
            }
        }

        if (respond is not null)
        {
            return respond.Output;
        }

        return JsonWriting.ToElement(writer =>
        {
            writer.WriteStartObject();
            foreach (var plan in _plan.Nodes)
            {
                var node = _nodes[plan.Index];
                if (node.Status == NodeStatus.Succeeded && !plan.Outgoing.Any(e => _plan.Edges[e].SourceHandle == node.Outcome))
                {
                    writer.WritePropertyName(node.NodeId);
                    if (node.Output is { } output)
                    {
                        output.WriteTo(writer);
                    }
                    else
                    {
                        writer.WriteNullValue();
                    }
                }
            }

            writer.WriteEndObject();
        });
    }

    private void FailRun(string? nodeId, string code, string message)
    {
        _error = new RunError(nodeId, code, message);
        EndRun(RunStatus.Failed, "run_failed");
        Commands.Add(new FailRun(nodeId, code, message));
    }

    private void EndRun(RunStatus status, string reason)
    {
        for (var i = 0; i < _nodes.Length; i++)
        {
            var node = _nodes[i];
            if (node.IsFinal)
            {
                continue;
            }

            if (node.Status is NodeStatus.Running or NodeStatus.Waiting or NodeStatus.BackingOff)
            {
                Commands.Add(new CancelNode(node.NodeId, node.Attempt, reason));
            }

            _nodes[i] = node with { Status = NodeStatus.Cancelled, WaitReason = null, RetryDueAt = null, FinishedAt = _now };
        }

        _status = status;
        _finishedAt = _now;
    }
}
