import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { EngineEvent } from './bindings';

/** The one Tauri event carrying every engine event; its payload's `type` says what happened. */
export const ENGINE_EVENT = 'engine-event';

/**
 * The Tauri event saying the window fell behind the engine's event stream (its payload: how
 * many events it missed). Events were lost: read the views again.
 */
export const ENGINE_LAGGED_EVENT = 'engine-lagged';

/** True when `value` looks like an {@link EngineEvent}: an object with a string `type`. */
export function isEngineEvent(value: unknown): value is EngineEvent {
  return (
    !!value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as Record<string, unknown>).type === 'string'
  );
}

/**
 * Calls `handler` with each engine event. Payloads that are not objects with a string `type`
 * are ignored; an event's other fields are as the engine sent them (check those you rely on).
 * Resolves to the function that stops listening; rejects where there is no Tauri backend to
 * listen to (a plain browser).
 */
export function onEngineEvent(handler: (event: EngineEvent) => void): Promise<UnlistenFn> {
  return listen<unknown>(ENGINE_EVENT, (event) => {
    if (isEngineEvent(event.payload)) handler(event.payload);
  });
}

/**
 * Calls `handler` each time the window fell behind the engine's events, with how many it
 * missed (null where the payload is not a count: the window fell behind all the same).
 * Resolves to the function that stops listening; rejects where there is no Tauri backend.
 */
export function onEngineLagged(handler: (missed: number | null) => void): Promise<UnlistenFn> {
  return listen<unknown>(ENGINE_LAGGED_EVENT, (event) => {
    const missed = event.payload;
    handler(typeof missed === 'number' && Number.isFinite(missed) && missed >= 0 ? missed : null);
  });
}
