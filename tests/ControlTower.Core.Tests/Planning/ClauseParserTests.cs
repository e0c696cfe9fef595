using ControlTower.Core.Planning;

namespace ControlTower.Core.Tests.Planning;

public sealed class ClauseParserTests
{
    [Theory]
    [InlineData("When a refill request arrives by webhook, check the stock.", "trigger.webhook")]
    [InlineData("When a request comes in, check the stock.", "trigger.webhook")]
    [InlineData("Whenever an order is posted, dispense it.", "trigger.webhook")]
    [InlineData("On a webhook, list the stock.", "trigger.webhook")]
    [InlineData("When called as a tool, check the stock.", "trigger.mcp")]
    [InlineData("Expose this as an MCP tool named 'stock_check': check the stock.", "trigger.mcp")]
    [InlineData("Every weekday at 9, list the stock.", "trigger.schedule")]
    [InlineData("Check the stock every hour.", "trigger.schedule")]
    [InlineData("Check the stock.", "trigger.manual")]
    [InlineData("When I start it manually, list the stock.", "trigger.manual")]
    [InlineData("When the stock is low, restock it.", "trigger.manual")]
    public void Parse_WhenTheRequestSaysHowItStarts_PicksThatTrigger(string prompt, string trigger) =>
        Assert.Equal(trigger, ClauseParser.Parse(prompt).Trigger.Type);

    [Theory]
    [InlineData("Every weekday at 9, list the stock.", "0 9 * * 1-5")]
    [InlineData("Every day at 7:30 am, list the stock.", "30 7 * * *")]
    [InlineData("Every day at 6 pm list the stock.", "0 18 * * *")]
    [InlineData("Every Monday at 8am list the stock.", "0 8 * * 1")]
    [InlineData("Every hour, list the stock.", "0 * * * *")]
    [InlineData("Every 15 minutes check the stock.", "*/15 * * * *")]
    [InlineData("Every 6 hours check the stock.", "0 */6 * * *")]
    [InlineData("Every day at midnight, list the stock.", "0 0 * * *")]
    [InlineData("Daily at noon, list the stock.", "0 12 * * *")]
    [InlineData("Every Sunday at 3am, list the stock.", "0 3 * * 0")]
    [InlineData("On weekdays at 17:45, list the stock.", "45 17 * * 1-5")]
    public void Parse_WhenTheRequestNamesASchedule_ReadsItsCron(string prompt, string cron)
    {
        var trigger = ClauseParser.Parse(prompt).Trigger;

        Assert.Equal("trigger.schedule", trigger.Type);
        Assert.Equal(cron, (string?)trigger.Config["cron"]);
    }

    [Fact]
    public void Parse_WhenTheScheduleNamesATimeZone_KeepsIt()
    {
        var trigger = ClauseParser.Parse("Every day at 8 Europe/Berlin, list the stock.").Trigger;

        Assert.Equal("Europe/Berlin", (string?)trigger.Config["timeZone"]);
    }

    [Fact]
    public void Parse_WhenTheToolIsNamed_PublishesItUnderThatName() =>
        Assert.Equal("recall", (string?)ClauseParser.Parse("When called as a tool named 'recall', search the memory.").Trigger.Config["toolName"]);

    [Theory]
    [InlineData("Check the stock, then dispense, then reply with it.", new[] { "Action", "Action", "Reply" })]
    [InlineData("Check the stock and dispense it and then reply 'ok'.", new[] { "Action", "Action", "Reply" })]
    [InlineData("Compute the sum of 3 and 4.", new[] { "Action" })]
    [InlineData("Open the nodes 'Alice' and 'Bob'.", new[] { "Action" })]
    [InlineData("Extract the name and email from the request, then reply with them.", new[] { "Action", "Reply" })]
    [InlineData("Read the file. Summarize it. Finally write it back.", new[] { "Action", "Action", "Action" })]
    [InlineData("Wait 2 hours, then check the stock.", new[] { "Wait", "Action" })]
    [InlineData("After 10 minutes, check the stock.", new[] { "Wait", "Action" })]
    [InlineData("Ask a pharmacist to approve, then dispense.", new[] { "Approval", "Action" })]
    [InlineData("Fail with 'not implemented'.", new[] { "Fail" })]
    [InlineData("Check the stock; if fewer than 10 are left, reply 'low'.", new[] { "Action", "Branch" })]
    public void Parse_WhenClausesFollowEachOther_KeepsThemInOrder(string prompt, string[] kinds) =>
        Assert.Equal(kinds, ClauseParser.Parse(prompt).Steps.Select(Kind));

    [Theory]
    [InlineData("wait 2 hours", 7200)]
    [InlineData("wait 30 minutes", 1800)]
    [InlineData("pause for 3 days", 259200)]
    [InlineData("wait a day", 86400)]
    [InlineData("wait half an hour", 1800)]
    [InlineData("sleep 45 seconds", 45)]
    [InlineData("wait 1.5 hours", 5400)]
    public void Parse_WhenAClauseWaits_ReadsTheDuration(string prompt, int seconds) =>
        Assert.Equal(seconds, Assert.IsType<WaitStep>(Assert.Single(ClauseParser.Parse(prompt).Steps)).Seconds);

    [Theory]
    [InlineData("ask a pharmacist to approve", "pharmacist", 1, null)]
    [InlineData("ask two pharmacists to approve the dispense", "pharmacist", 2, null)]
    [InlineData("this needs two approvals", null, 2, null)]
    [InlineData("have an admin sign off", "admin", 1, null)]
    [InlineData("ask a manager to approve within 24 hours", "manager", 1, 86400)]
    [InlineData("require 3 approvals from reviewers", "reviewer", 3, null)]
    public void Parse_WhenAClauseAsksForApproval_ReadsWhoAndHowMany(string prompt, string? role, int count, int? expires)
    {
        var approval = Assert.IsType<ApprovalStep>(Assert.Single(ClauseParser.Parse(prompt).Steps));

        Assert.Equal(role, approval.Role);
        Assert.Equal(count, approval.RequiredApprovals);
        Assert.Equal(expires, approval.ExpiresAfterSeconds);
    }

    [Fact]
    public void Parse_WhenAConditionHasAnOtherwise_SplitsThenAndElse()
    {
        var steps = ClauseParser.Parse("Check the stock; if fewer than 20 are left ask a pharmacist to approve, otherwise reply with 'fine'. Then dispense.").Steps;

        var branch = Assert.IsType<BranchStep>(steps[1]);
        Assert.Equal("fewer than 20 are left", branch.Condition.Text);
        Assert.Null(branch.Condition.Outcome);
        Assert.IsType<ApprovalStep>(Assert.Single(branch.Then));
        Assert.IsType<ReplyStep>(Assert.Single(branch.Else));
        Assert.IsType<ActionStep>(steps[2]);
    }

    [Fact]
    public void Parse_WhenOtherwiseOpensTheNextSentence_ItIsTheElseOfTheCondition()
    {
        var steps = ClauseParser.Parse("If none are left, reply 'out'. Otherwise dispense and reply with the result.").Steps;

        var branch = Assert.IsType<BranchStep>(Assert.Single(steps));
        Assert.Equal(2, branch.Else.Count);
    }

    [Fact]
    public void Parse_WhenThenFollowsABranch_TheStepJoinsAfterIt()
    {
        var steps = ClauseParser.Parse("If fewer than 20 are left, ask a pharmacist to approve, then dispense and reply with the new stock.").Steps;

        Assert.Equal(["Branch", "Action", "Reply"], steps.Select(Kind));
        Assert.IsType<ApprovalStep>(Assert.Single(((BranchStep)steps[0]).Then));
    }

    [Theory]
    [InlineData("if they reject it", "rejected")]
    [InlineData("if the pharmacist approves", "approved")]
    [InlineData("if nobody answers", "expired")]
    [InlineData("if it fails", "error")]
    [InlineData("if that goes wrong", "error")]
    [InlineData("if more than 60 units are requested", null)]
    [InlineData("if the message contains 'urgent'", null)]
    public void Condition_WhenItNamesHowTheGateEnded_ReadsTheOutcome(string text, string? outcome) =>
        Assert.Equal(outcome, ClauseParser.Condition(text[3..], negated: false).Outcome);

    [Fact]
    public void Parse_WhenALoopIsBounded_ReadsItsBodyConditionBoundAndPause()
    {
        var loop = Assert.IsType<LoopStep>(Assert.Single(ClauseParser.Parse("Keep checking the stock every 10 minutes until more than 50 are on hand, at most 12 times.").Steps));

        Assert.Equal("checking the stock", loop.Body.Text);
        Assert.Equal("more than 50 are on hand", loop.Until.Text);
        Assert.Equal(12, loop.MaxIterations);
        Assert.Equal(600, loop.WaitSeconds);
    }

    [Fact]
    public void Parse_WhenAReplyIsQuotedOrHasAStatus_KeepsBoth()
    {
        var parsed = ClauseParser.Parse("Reply with status 409 and 'out of stock'.");

        var reply = Assert.IsType<ReplyStep>(Assert.Single(parsed.Steps));
        Assert.Equal(409, reply.Status);
        Assert.Equal("out of stock", Assert.Single(parsed.Values.Quotes));
    }

    [Fact]
    public void Parse_WhenValuesHoldPunctuation_DoesNotSplitInsideThem()
    {
        var parsed = ClauseParser.Parse("Write 'done. then stop, and more' to '/tmp/a.txt', then call https://example.com/a.b?c=1.");

        Assert.Equal(2, parsed.Steps.Count);
        Assert.Equal(["done. then stop, and more", "/tmp/a.txt"], parsed.Values.Quotes);
        Assert.Equal("https://example.com/a.b?c=1", Assert.Single(parsed.Values.Urls));
    }

    [Theory]
    [InlineData("")]
    [InlineData("...")]
    [InlineData("if")]
    [InlineData("then then then")]
    [InlineData("'unclosed quote and \"another")]
    [InlineData("when when when, , , otherwise otherwise")]
    public void Parse_WhenTheTextIsOdd_NeverThrows(string prompt) =>
        Assert.NotNull(ClauseParser.Parse(prompt).Trigger);

    private static string Kind(PlanStep step) => step switch
    {
        ActionStep => "Action",
        WaitStep => "Wait",
        ApprovalStep => "Approval",
        ReplyStep => "Reply",
        FailStep => "Fail",
        BranchStep => "Branch",
        LoopStep => "Loop",
        _ => step.GetType().Name,
    };

    [Fact]
    public void SetAside_WhenAnApostropheIsInAWord_KeepsIt()
    {
        var (text, values) = ClauseParser.SetAside("Read the patient's file 'a.txt'.");

        Assert.Contains("patient's", text, StringComparison.Ordinal);
        Assert.Equal("a.txt", Assert.Single(values.Quotes));
    }
}
