import { invoke } from '@tauri-apps/api/core';
import type { EndpointView, EngineEvent } from './bindings';

/** The Tauri command listing every webhook endpoint, disabled ones included. */
export const ENDPOINTS_LIST_COMMAND = 'endpoints_list';

/**
 * The `endpoint_disabled` engine event: the endpoint kept failing, or answered 410 Gone, so the
 * engine stopped delivering to it (its new messages are held until it is enabled again). Also
 * what {@link disabledEndpoints} gives, one per endpoint disabled now, for one banner each.
 */
export type EndpointDisabled = Extract<EngineEvent, { type: 'endpoint_disabled' }>;

/** True when `event` is an `endpoint_disabled` event with the fields a banner shows. */
export function isEndpointDisabled(event: EngineEvent): event is EndpointDisabled {
  if (event.type !== 'endpoint_disabled') return false;
  const v = event as Record<string, unknown>;
  return typeof v.endpoint === 'number' && typeof v.url === 'string' && typeof v.reason === 'string';
}

/** An item of `endpoints_list` disabled now, with the fields a banner shows; other items give null. */
function disabledNotice(value: unknown): EndpointDisabled | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Partial<Record<keyof EndpointView, unknown>>;
  if (v.enabled !== false || typeof v.id !== 'number' || typeof v.url !== 'string') return null;
  const disabled = v.disabled as Partial<Record<'at' | 'reason', unknown>> | null | undefined;
  if (!disabled || typeof disabled !== 'object' || typeof disabled.reason !== 'string') return null;
  return { type: 'endpoint_disabled', endpoint: v.id, url: v.url, reason: disabled.reason || 'no reason given' };
}

/**
 * The webhook endpoints disabled right now, whenever and by whom (the headless `hookscribe run`,
 * this window before its listener was set up, or the user: the reason then says
 * "disabled by the user"), in the order `endpoints_list` gives them. Items of another shape are
 * skipped; a reply that is not a list gives none. Rejects where the command fails or there is
 * no Tauri backend (a plain browser).
 */
export async function disabledEndpoints(): Promise<EndpointDisabled[]> {
  const reply = await invoke<unknown>(ENDPOINTS_LIST_COMMAND);
  if (!Array.isArray(reply)) return [];
  return reply.map(disabledNotice).filter((notice) => notice !== null);
}
