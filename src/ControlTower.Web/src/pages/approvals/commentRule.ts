/** The approval's `commentRequired`: which decisions must say why (the server refuses them otherwise). */
export type CommentRule = "always" | "reject" | "never";

export function commentRule(value: string | null | undefined): CommentRule {
  return value === "always" || value === "never" ? value : "reject";
}

/** Whether this decision may be sent with the comment as typed. */
export function mayDecide(rule: CommentRule, decision: "approve" | "reject", comment: string): boolean {
  const needed = rule === "always" || (rule === "reject" && decision === "reject");
  return !needed || comment.trim().length > 0;
}

export function commentHint(rule: CommentRule): string {
  switch (rule) {
    case "always":
      return "required, recorded in the audit log";
    case "reject":
      return "required to reject, recorded in the audit log";
    default:
      return "optional, recorded in the audit log";
  }
}
