// Line icons drawn inline (no icon font: system fonts lack several symbols).
const paths: Record<string, string> = {
  workflows: "M4 6h4v4H4zM16 14h4v4h-4zM8 8h4a2 2 0 0 1 2 2v4a2 2 0 0 0 2 2",
  runs: "M7 5l12 7-12 7z",
  approvals: "M5 12l4 4 10-10",
  mcp: "M4 7h7v10H4zM13 7h7v10h-7zM11 12h2",
  credentials: "M14 10a4 4 0 1 0-4 4l-6 6M8 18l2 2M6 16l2 2",
  audit: "M6 4h12v16H6zM9 9h6M9 13h6M9 17h3",
  rules: "M4 6h16M4 12h10M4 18h6M17 14l3 3-3 3",
  governance: "M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6zM9 12l2 2 4-4",
  trust: "M4 18l5-6 4 3 7-9M15 6h5v5",
  overview: "M4 20V10M10 20V4M16 20v-7M22 20H2",
};

export function Icon({ name }: { name: keyof typeof paths }) {
  return (
    <svg
      width="16"
      height="16"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d={paths[name]} />
    </svg>
  );
}
