// Theme: the OS preference unless the person picked one (kept in localStorage).
const key = "ct.theme";
type Theme = "light" | "dark";

function preferred(): Theme {
  const saved = localStorage.getItem(key);
  if (saved === "light" || saved === "dark") return saved;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function currentTheme(): Theme {
  return (document.documentElement.dataset.theme as Theme) ?? preferred();
}

export function initTheme(): void {
  document.documentElement.dataset.theme = preferred();
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    if (!localStorage.getItem(key)) document.documentElement.dataset.theme = preferred();
  });
}

export function toggleTheme(): Theme {
  const next: Theme = currentTheme() === "dark" ? "light" : "dark";
  localStorage.setItem(key, next);
  document.documentElement.dataset.theme = next;
  return next;
}
