import { invoke } from '@tauri-apps/api/core';
import type { DeliverySummary } from './bindings';

/** The Tauri command counting endpoints and deliveries, for the Webhooks card. */
export const DELIVERIES_SUMMARY_COMMAND = 'deliveries_summary';

const COUNT_FIELDS = ['endpoints', 'enabled_endpoints', 'pending', 'delivered', 'failed', 'held'] as const;

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** True when `value` has the shape of a {@link DeliverySummary}. */
export function isDeliverySummary(value: unknown): value is DeliverySummary {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    COUNT_FIELDS.every((field) => isCount(v[field])) &&
    (v.last_delivered_at === null || (typeof v.last_delivered_at === 'number' && Number.isFinite(v.last_delivered_at)))
  );
}

/**
 * Endpoints and deliveries at a glance. Rejects where the command fails (with its
 * `EngineError`), its reply has another shape, or there is no Tauri backend (a plain browser).
 */
export async function deliverySummary(): Promise<DeliverySummary> {
  const reply = await invoke<unknown>(DELIVERIES_SUMMARY_COMMAND);
  if (!isDeliverySummary(reply)) throw new Error(`${DELIVERIES_SUMMARY_COMMAND} gave a reply of another shape`);
  return reply;
}

/**
 * Wraps `task` so that a burst of calls costs few runs: at most one run is in flight, runs
 * start at least `gapMs` apart, and a call while one runs (or waits for its turn) asks for one
 * more run after it, however many calls came meanwhile. Every call is followed by a run that
 * starts after it; the returned promise settles when that run has ended. `task` should not
 * reject (a rejection is swallowed).
 */
export function coalesce(task: () => Promise<void>, gapMs = 0): () => Promise<void> {
  let current: Promise<void> | null = null;
  let again = false;
  let lastStart = -Infinity;

  async function run() {
    do {
      const wait = lastStart + gapMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // Calls until now are covered by the run below, which starts after them.
      again = false;
      lastStart = Date.now();
      try {
        // Always after a tick: `current` is set before this run can end.
        await Promise.resolve().then(task);
      } catch {
        // the task reports its own errors
      }
    } while (again);
    current = null; // in the same step as the last look at `again`: no call is lost
  }

  return () => {
    if (current) {
      again = true;
      return current;
    }
    current = run();
    return current;
  };
}

/** "1 endpoint", "2 endpoints". */
export function endpointCount(n: number): string {
  return `${n} ${n === 1 ? 'endpoint' : 'endpoints'}`;
}

/** A time (unix milliseconds) as a `Date`, or null where it is not one. */
function dateOf(unixMs: number): Date | null {
  const date = new Date(unixMs);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A time (unix milliseconds) in the user's locale, or the number as text where it is not a time. */
export function localDateTime(unixMs: number): string {
  return dateOf(unixMs)?.toLocaleString() ?? String(unixMs);
}

/** A time (unix milliseconds) in ISO 8601, for a `<time datetime>`; undefined where it is not a time. */
export function isoDateTime(unixMs: number): string | undefined {
  return dateOf(unixMs)?.toISOString();
}

/** What each event is, in a word, where the log lists messages. */
const EVENT_NAMES: Record<string, string> = {
  'transcription.completed': 'Transcript',
  'transcription.failed': 'Failed job',
  'webhook.test': 'Test',
};

/** An event in a word ("Transcript"); an event this window does not know, as it is. */
export function eventName(event: string): string {
  return EVENT_NAMES[event] ?? event;
}

/** How lists name an endpoint: what the user called it, else its URL. */
export function endpointName(endpoint: { url: string; description: string }): string {
  return endpoint.description.trim() || endpoint.url;
}
