import { invoke } from '@tauri-apps/api/core';
import type { EngineStatus } from './bindings';

/** The Tauri command giving the engine's version, data folder, default model and counts. */
export const ENGINE_STATUS_COMMAND = 'engine_status';

export function engineStatus(): Promise<EngineStatus> {
  return invoke<EngineStatus>(ENGINE_STATUS_COMMAND);
}

/**
 * Turns whatever a rejected `invoke` carries into readable text: the `message` of an
 * `EngineError` (`{kind, message, subject}`, what the commands reject with), a string, or an
 * `Error`.
 */
export function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string') {
    return error.message;
  }
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
