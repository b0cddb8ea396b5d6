import { writeText } from '@tauri-apps/plugin-clipboard-manager';

/** Copies text: through the shell (works in the app's webview), else the browser's API. */
export async function copyText(text: string): Promise<void> {
  try {
    await writeText(text);
  } catch {
    await navigator.clipboard.writeText(text);
  }
}
