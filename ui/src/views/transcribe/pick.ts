// The file and folder pickers of the Transcribe view.
import { open } from '@tauri-apps/plugin-dialog';
import { RECORDING_EXTENSIONS } from './languages';

/** Asks for recordings; resolves to the paths chosen (none when the picker was closed). */
export async function pickRecordings(): Promise<string[]> {
  const chosen = await open({
    multiple: true,
    directory: false,
    filters: [{ name: 'Recordings', extensions: RECORDING_EXTENSIONS }],
  });
  if (chosen == null) return [];
  return Array.isArray(chosen) ? chosen : [chosen];
}

/** Asks for a folder; resolves to it, or null when the picker was closed. */
export async function pickFolder(): Promise<string | null> {
  const chosen = await open({ directory: true });
  if (chosen == null) return null;
  return Array.isArray(chosen) ? (chosen[0] ?? null) : chosen;
}
