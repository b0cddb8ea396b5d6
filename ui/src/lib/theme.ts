import { api } from './api';

export type Theme = 'system' | 'light' | 'dark';

/** Applies a theme: light or dark always, or the system's (no attribute: the CSS media query). */
export function applyTheme(theme: string) {
  const root = document.documentElement;
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
  else delete root.dataset.theme;
}

/** Reads the `ui.theme` setting and applies it; the system's colours if it cannot be read. */
export async function loadTheme(): Promise<void> {
  try {
    const settings = await api.settings.list();
    applyTheme(settings.find((s) => s.key === 'ui.theme')?.value ?? 'system');
  } catch {
    applyTheme('system');
  }
}
