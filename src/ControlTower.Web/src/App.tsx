import { lazy, Suspense, useEffect, useState, type FormEvent, type ReactNode } from "react";
import { ApiError, apiKey, setApiKey } from "./api";
import { identityApi, type Me } from "./api/identity";
import { Link, match, useLocation } from "./router";
import { currentTheme, toggleTheme } from "./theme";
import { ErrorBox, Loading } from "./ui";
import { Icon } from "./icons";
import { WorkflowsPage } from "./pages/Workflows";
import { RunsPage } from "./pages/Runs";
import { ApprovalsPage } from "./pages/Approvals";
import { AlertBanner } from "./pages/overview/AlertBanner";
import { PendingApprovalsCount } from "./pages/approvals/PendingCount";
import { KillSwitchBanner } from "./KillSwitchBanner";
import { PaletteHost } from "./pages/palette/PaletteHost";
// Pages off the busiest paths load on demand, so the list pages' first load parses less script.
const McpPage = lazy(() => import("./pages/Mcp").then((m) => ({ default: m.McpPage })));
const CredentialsPage = lazy(() => import("./pages/Credentials").then((m) => ({ default: m.CredentialsPage })));
const AuditPage = lazy(() => import("./pages/Audit").then((m) => ({ default: m.AuditPage })));
const OverviewPage = lazy(() => import("./pages/overview/OverviewPage").then((m) => ({ default: m.OverviewPage })));
const RulesPage = lazy(() => import("./pages/rules/RulesPage").then((m) => ({ default: m.RulesPage })));

// The canvas pages carry @xyflow/react: loaded on demand so lists render fast.
const EditorPage = lazy(() => import("./pages/Editor"));
const RunViewPage = lazy(() => import("./pages/RunView"));
const WorkflowTabPage = lazy(() => import("./pages/workflow/WorkflowTabPage"));
// Governance is a large page few people open: kept out of the first bundle too.
const GovernancePage = lazy(() => import("./pages/Governance").then((m) => ({ default: m.GovernancePage })));
// Trust carries the charting library (itself split again): on demand too.
const TrustPage = lazy(() => import("./pages/Trust").then((m) => ({ default: m.TrustPage })));
const DemoHub = lazy(() => import("./pages/demo/DemoHub").then((m) => ({ default: m.DemoHub })));

const nav: { to: string; label: string; icon: Parameters<typeof Icon>[0]["name"]; demoOnly?: boolean }[] = [
  { to: "/demo", label: "Demo", icon: "trust", demoOnly: true },
  { to: "/overview", label: "Overview", icon: "overview" },
  { to: "/workflows", label: "Workflows", icon: "workflows" },
  { to: "/runs", label: "Runs", icon: "runs" },
  { to: "/approvals", label: "Approvals", icon: "approvals" },
  { to: "/governance", label: "Governance", icon: "governance" },
  { to: "/rules", label: "Rules", icon: "rules" },
  { to: "/trust", label: "Trust", icon: "trust" },
  { to: "/mcp-servers", label: "MCP servers", icon: "mcp" },
  { to: "/credentials", label: "Credentials", icon: "credentials" },
  { to: "/audit", label: "Audit", icon: "audit" },
];

function route(path: string, me: Me): { node: ReactNode; full?: boolean } {
  let p: Record<string, string> | null;
  if ((p = match("/workflows/:id", path))) return { node: <EditorPage id={p.id} me={me} />, full: true };
  if ((p = match("/workflows/:id/:tab", path))) return { node: <WorkflowTabPage id={p.id} tab={p.tab} me={me} /> };
  if ((p = match("/runs/:id", path))) return { node: <RunViewPage id={p.id} />, full: true };
  if (path === "/runs") return { node: <RunsPage /> };
  if (path === "/approvals") return { node: <ApprovalsPage /> };
  if (path === "/governance") return { node: <GovernancePage me={me} /> };
  if (path === "/trust") return { node: <TrustPage /> };
  if (path === "/rules") return { node: <RulesPage /> };
  if (path === "/mcp-servers") return { node: <McpPage /> };
  if (path === "/credentials") return { node: <CredentialsPage me={me} /> };
  if (path === "/audit") return { node: <AuditPage /> };
  if (path === "/demo" || (path === "/" && me.mode === "demo")) return { node: <DemoHub /> };
  if (path === "/overview" || (path === "/" && me.mode !== "demo")) return { node: <OverviewPage /> };
  if (path === "/" || path === "/workflows") return { node: <WorkflowsPage /> };
  return {
    node: (
      <div className="empty">
        <h3>Nothing lives at {path}</h3>
        <p className="muted">The link may be old. Start from the workflows.</p>
        <Link to="/workflows" className="btn">
          Go to workflows
        </Link>
      </div>
    ),
  };
}

export function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    setError(null);
    identityApi.me().then(setMe, setError);
  }, [attempt]);

  if (error instanceof ApiError && error.status === 401)
    return <SignIn onSignedIn={() => setAttempt((a) => a + 1)} rejected={apiKey() !== null} />;
  if (error)
    return (
      <div className="signin">
        <ErrorBox error={error} onRetry={() => setAttempt((a) => a + 1)} />
      </div>
    );
  if (!me) return <Loading label="Connecting to Control Tower…" />;
  return (
    <Shell
      me={me}
      onSignOut={() => {
        setApiKey(null);
        setMe(null);
        setAttempt((a) => a + 1);
      }}
    />
  );
}

function Shell({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const { path } = useLocation();
  const [theme, setTheme] = useState(currentTheme());
  const { node, full } = route(path, me);
  const landing = me.mode === "demo" ? "/demo" : "/overview";
  const active = (to: string) => path === to || path.startsWith(to + "/") || (to === landing && path === "/");
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/workflows" className="brand">
          <span className="brand-mark">CT</span> Control Tower
        </Link>
        <span className={`mode mode-${me.mode}`} title="Run mode of this server">
          {me.mode}
        </span>
        <div className="spacer" />
        <PaletteHost pages={nav.filter((n) => !n.demoOnly || me.mode === "demo")} />
        <button
          className="btn ghost sm"
          onClick={() => setTheme(toggleTheme())}
          aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}
        >
          {theme === "dark" ? "☀ Light" : "☾ Dark"}
        </button>
        <div className="identity" data-testid="identity">
          <span className="avatar" aria-hidden>
            {me.name.slice(0, 1).toUpperCase()}
          </span>
          <span>
            <strong>{me.name}</strong> <span className="muted">· {me.role}</span>
          </span>
        </div>
        {me.mode !== "demo" && apiKey() && (
          <button className="btn sm" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </header>
      <nav className="sidenav" aria-label="Main">
        {nav
          .filter((n) => !n.demoOnly || me.mode === "demo")
          .map((n) => (
            <Link key={n.to} to={n.to} className={active(n.to) ? "active" : ""} aria-current={active(n.to) ? "page" : undefined}>
              <Icon name={n.icon} /> {n.label}
              {n.to === "/approvals" && <PendingApprovalsCount />}
            </Link>
          ))}
      </nav>
      <main className={full ? "main full" : "main"}>
        <AlertBanner />
        <KillSwitchBanner />
        <Suspense fallback={<Loading />}>{node}</Suspense>
      </main>
    </div>
  );
}

function SignIn({ onSignedIn, rejected }: { onSignedIn: () => void; rejected: boolean }) {
  const [key, setKey] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApiKey(key.trim());
    onSignedIn();
  };
  return (
    <form className="signin card card-pad stack" onSubmit={submit}>
      <div className="brand">
        <span className="brand-mark">CT</span> Control Tower
      </div>
      <h2>Sign in</h2>
      <p className="muted">
        This server needs an API key. Ask an admin for one (<code>controltower</code> CLI or the API-keys API). It is kept only for this
        browser tab.
      </p>
      {rejected && (
        <div className="error-box" role="alert">
          That key was not accepted. Check it and try again.
        </div>
      )}
      <label className="field">
        API key
        <input type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} autoFocus required />
      </label>
      <button className="btn primary" type="submit" disabled={!key.trim()}>
        Sign in
      </button>
    </form>
  );
}
