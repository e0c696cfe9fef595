namespace ControlTower.Core.Demo;

/// <summary>
/// The facts of a refill case a pharmacist looks at, as the governed dispense's evidence carries them (its <c>features</c>):
/// <see cref="InteractionSeverity"/> is <c>major</c>, <c>moderate</c> or <c>none</c>; <see cref="Renewed"/> says the prescriber
/// renewed the prescription in this case.
/// </summary>
public sealed record CaseFacts(string Drug, int Quantity, int DaysSupply, bool Controlled, string InteractionSeverity, bool Renewed);

/// <summary>Which decision a person is asked for in a refill case.</summary>
public enum ApprovalStep
{
    /// <summary>The prescriber renews a prescription that has no refills left.</summary>
    Renewal,

    /// <summary>The pharmacist verifies the governed dispense (asked when the trust stage, the gate or a rule wants a person).</summary>
    Verification,
}

/// <summary>
/// How the synthetic approver behaves. <see cref="Strictness"/> (0..1) raises every rejection probability;
/// <see cref="Noise"/> (0..0.5) is the chance a decision goes the other way than the facts suggest;
/// <see cref="MedianLatencySeconds"/> is a pharmacist's typical time to decide (simulated, never slept).
/// </summary>
public sealed record ApproverProfile(double Strictness = 0.5, double Noise = 0.02, double MedianLatencySeconds = 45)
{
    public static ApproverProfile Default { get; } = new();

    /// <summary>The problems with this profile, empty when it is usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!(Strictness is >= 0 and <= 1))
        {
            problems.Add("approver.strictness must be between 0 and 1");
        }

        if (!(Noise is >= 0 and <= 0.5))
        {
            problems.Add("approver.noise must be between 0 and 0.5");
        }

        if (!(MedianLatencySeconds is >= 1 and <= 86_400))
        {
            problems.Add("approver.medianLatencySeconds must be between 1 and 86400");
        }

        return problems;
    }
}

/// <summary>One synthetic decision: approve or not, how long the person took (simulated seconds) and why.</summary>
public sealed record ApproverDecision(bool Approve, double LatencySeconds, string Reason, double RejectProbability);

/// <summary>
/// A seeded stand-in for the pharmacy's people (pure: no clock, no I/O). Each decision is a function of the seed, a stable
/// key naming the decision (case and node), the case's facts and the step: the facts set a rejection probability
/// (a major interaction is mostly refused at verification, controlled substances, large quantities and moderate
/// interactions a little more often, renewals are sometimes denied), strictness scales it, and noise flips a few decisions so the record is not
/// perfectly clean. The same inputs always give the same decision, whatever order cases are decided in.
/// </summary>
public static class SyntheticApprover
{
    public static ApproverDecision Decide(ApproverProfile profile, long seed, string decisionKey, CaseFacts facts, ApprovalStep step)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(facts);
        var draws = new StableDraws(seed, decisionKey);
        var (risk, why) = Risk(facts, step);
        var reject = Math.Clamp(risk * (0.5 + profile.Strictness), 0, 0.99);
        var approve = draws.Next() >= reject;
        var flipped = draws.Next() < profile.Noise;
        if (flipped)
        {
            approve = !approve;
        }

        var latency = Latency(profile, facts, step, draws);
        var reason = (approve, flipped) switch
        {
            (true, false) => why.Length == 0 ? "routine: nothing against it" : $"approved despite: {why}",
            (false, false) => why.Length == 0 ? "rejected on judgement" : $"rejected: {why}",
            (true, true) => "approved (an inconsistent call)",
            (false, true) => "rejected (an inconsistent call)",
        };
        return new ApproverDecision(approve, latency, reason, reject);
    }

    /// <summary>The base rejection probability of a step given the facts (before strictness), and what drives it.</summary>
    private static (double Risk, string Why) Risk(CaseFacts facts, ApprovalStep step)
    {
        var reasons = new List<string>();
        double risk;
        switch (step)
        {
            case ApprovalStep.Renewal:
                risk = 0.12;
                reasons.Add("no refills left");
                break;
            default:
                risk = 0.01;
                switch (facts.InteractionSeverity)
                {
                    case "major":
                        risk += 0.6;
                        reasons.Add("major interaction");
                        break;
                    case "moderate":
                        risk += 0.05;
                        reasons.Add("moderate interaction");
                        break;
                }

                break;
        }

        if (facts.Controlled)
        {
            risk += 0.06;
            reasons.Add("controlled substance");
        }

        if (facts.Quantity > 60)
        {
            risk += 0.04;
            reasons.Add($"large quantity ({facts.Quantity})");
        }

        return (risk, string.Join(", ", reasons));
    }

    /// <summary>Log-normal around the profile's median; renewals wait on a prescriber (an hour's median), controlled ones take longer.</summary>
    private static double Latency(ApproverProfile profile, CaseFacts facts, ApprovalStep step, StableDraws draws)
    {
        var median = profile.MedianLatencySeconds * (step == ApprovalStep.Renewal ? 80 : 1) * (facts.Controlled ? 1.6 : 1);
        var u1 = Math.Max(draws.Next(), 1e-12);
        var u2 = draws.Next();
        var z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return Math.Round(median * Math.Exp(0.5 * z), 1);
    }

    /// <summary>Uniform draws in [0, 1) from a seed and a key: FNV-1a over the key, then SplitMix64 (stable across runs and platforms).</summary>
    private sealed class StableDraws(long seed, string key)
    {
        private ulong _state = Hash(seed, key);

        public double Next()
        {
            _state += 0x9E3779B97F4A7C15UL;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 11) * (1.0 / (1UL << 53));
        }

        private static ulong Hash(long seed, string key)
        {
            var hash = 14695981039346656037UL ^ (ulong)seed;
            foreach (var c in key)
            {
                hash = (hash ^ c) * 1099511628211UL;
            }

            return hash;
        }
    }
}
