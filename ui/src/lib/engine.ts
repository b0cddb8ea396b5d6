import { invoke } from '@tauri-apps/api/core';

/** What the `engine_status` Tauri command returns. */
export interface EngineStatus {
  version: string;
  /** The data folder (settings, database, models). */
  home: string;
  default_model: string;
  default_model_installed: boolean;
  installed_models: string[];
}

export function engineStatus(): Promise<EngineStatus> {
  return invoke<EngineStatus>('engine_status');
}

/** Turns whatever a rejected `invoke` carries (usually a string from Rust) into readable text. */
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
