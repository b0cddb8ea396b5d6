import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

/** The Tauri event the shell emits when the engine disables a webhook endpoint by itself. */
export const ENDPOINT_DISABLED_EVENT = 'webhook-endpoint-disabled';

/** The Tauri command listing the endpoints disabled right now, in the event's payload shape. */
export const DISABLED_ENDPOINTS_COMMAND = 'disabled_endpoints';

/**
 * Payload of {@link ENDPOINT_DISABLED_EVENT}: the endpoint kept failing, or answered 410 Gone,
 * so the engine stopped delivering to it (its new messages are held until it is enabled again).
 */
export interface EndpointDisabled {
  type: 'endpoint_disabled';
  /** The endpoint's id, as `hookscribe webhooks list` shows it. */
  endpoint: number;
  url: string;
  /** Why it was disabled, in words. */
  reason: string;
}

/** True when `value` has the shape of an {@link EndpointDisabled} payload. */
export function isEndpointDisabled(value: unknown): value is EndpointDisabled {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    v.type === 'endpoint_disabled' &&
    typeof v.endpoint === 'number' &&
    typeof v.url === 'string' &&
    typeof v.reason === 'string'
  );
}

/**
 * Calls `handler` each time a webhook endpoint is disabled automatically. Payloads of another
 * shape are ignored. Resolves to the function that stops listening; rejects where there is no
 * Tauri backend to listen to (a plain browser).
 */
export function onEndpointDisabled(handler: (notice: EndpointDisabled) => void): Promise<UnlistenFn> {
  return listen<unknown>(ENDPOINT_DISABLED_EVENT, (event) => {
    if (isEndpointDisabled(event.payload)) handler(event.payload);
  });
}

/**
 * The webhook endpoints disabled right now, whenever and by whom (the headless `hookscribe run`,
 * this window before its listener was set up, or the user: the reason then says
 * "disabled by the user"). Items of another shape are skipped; a reply that is not a list gives
 * none. Rejects where the command fails or there is no Tauri backend (a plain browser).
 */
export async function disabledEndpoints(): Promise<EndpointDisabled[]> {
  const reply = await invoke<unknown>(DISABLED_ENDPOINTS_COMMAND);
  return Array.isArray(reply) ? reply.filter(isEndpointDisabled) : [];
}
