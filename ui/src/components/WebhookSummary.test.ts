import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import WebhookSummary from './WebhookSummary.svelte';
import type { DeliverySummary, EngineError, EngineEvent } from '../lib/bindings';
import { ENGINE_EVENT, ENGINE_LAGGED_EVENT } from '../lib/events';
import { deferred, settle } from '../lib/test-ipc';
import { findById, normalized, recordIpc } from './test-helpers';

/** What `deliveries_summary` answers unless told: one endpoint, three messages delivered. */
const summary: DeliverySummary = {
  endpoints: 1,
  enabled_endpoints: 1,
  pending: 0,
  delivered: 3,
  failed: 0,
  held: 0,
  last_delivered_at: Date.parse('2026-11-23T17:05:36.762Z'),
};

const attempt: EngineEvent = {
  type: 'delivery_attempted',
  message: 41,
  endpoint: 7,
  job: 12,
  status: 'delivered',
  response_status: 204,
  summary: 'delivered (204 No Content)',
};

function engineError(message: string): EngineError {
  return { kind: 'unavailable', message, subject: null };
}

/**
 * Answers `deliveries_summary` with `webhooks` ({@link summary} unless told): a value, or a
 * function that may throw or return a promise. Events are mocked too. Returns the commands asked.
 */
function mockSummary(webhooks: DeliverySummary | (() => unknown) = summary) {
  const calls: string[] = [];
  mockIPC(
    (cmd) => {
      calls.push(cmd);
      if (cmd === 'deliveries_summary') return typeof webhooks === 'function' ? webhooks() : webhooks;
      throw new Error(`unexpected command ${cmd}`);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** Emits `payload` as the shell does with every engine event. */
async function emitEngine(payload: EngineEvent | unknown): Promise<void> {
  await emit(ENGINE_EVENT, payload);
}

/** The summary, a region named by its label. */
function region(): HTMLElement {
  return screen.getByRole('region', { name: 'Deliveries at a glance' });
}

/** Waits until `#webhook-summary` reads `text` (whitespace collapsed) and returns it. */
async function summaryReads(text: string): Promise<HTMLElement> {
  return waitFor(() => {
    const el = document.getElementById('webhook-summary');
    expect(el && normalized(el)).toBe(text);
    return el!;
  });
}

/** The counts of `#webhook-summary` shown as a warning badge. */
function badges(): (string | null)[] {
  return [...document.getElementById('webhook-summary')!.querySelectorAll('.badge.warn')].map((b) => b.textContent);
}

function fetches(calls: string[]): number {
  return calls.filter((c) => c === 'deliveries_summary').length;
}

afterEach(() => {
  cleanup(); // unmount (and so unlisten) while the IPC mock is still there
  clearMocks();
});

describe('WebhookSummary', () => {
  it('says there is no endpoint yet when there is none', async () => {
    mockSummary({ ...summary, endpoints: 0, enabled_endpoints: 0, delivered: 0, last_delivered_at: null });
    render(WebhookSummary);

    const line = await findById('webhook-summary');
    expect(normalized(line)).toBe('No webhook endpoints yet.');
    expect(region().contains(line)).toBe(true);
    expect(document.getElementById('webhook-endpoints')).toBeNull();
    expect(document.getElementById('webhook-last-delivery')).toBeNull();
  });

  it('shows a loading line until the summary comes', async () => {
    const reply = deferred<unknown>();
    mockSummary(() => reply.promise);
    render(WebhookSummary);

    expect(within(region()).getByText('Loading delivery status…')).toBeTruthy();
    expect(region().getAttribute('aria-busy')).toBe('true');

    reply.resolve(summary);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');
    expect(region().getAttribute('aria-busy')).toBe('false');
    expect(within(region()).queryByText('Loading delivery status…')).toBeNull();
  });

  it('shows the endpoints, the counts and the last delivery', async () => {
    mockSummary({ ...summary, endpoints: 2, enabled_endpoints: 2, pending: 1, delivered: 12 });
    render(WebhookSummary);

    const counts = await summaryReads('12 delivered · 1 pending · 0 failed · 0 held');
    expect(counts.textContent).toBe('12 delivered · 1 pending · 0 failed · 0 held');
    expect(badges()).toEqual([]);
    expect(normalized(document.getElementById('webhook-endpoints')!)).toBe('2 endpoints');

    const last = document.getElementById('webhook-last-delivery')!;
    expect(normalized(last)).toMatch(/^Last delivery: .*2026/);
    const time = last.querySelector('time')!;
    expect(time.getAttribute('datetime')).toBe('2026-11-23T17:05:36.762Z');
    expect(time.textContent).toBe(new Date('2026-11-23T17:05:36.762Z').toLocaleString());
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says "1 endpoint", and shows no last delivery before the first', async () => {
    mockSummary({ ...summary, pending: 2, delivered: 0, last_delivered_at: null });
    render(WebhookSummary);

    await summaryReads('0 delivered · 2 pending · 0 failed · 0 held');
    expect(normalized(document.getElementById('webhook-endpoints')!)).toBe('1 endpoint');
    expect(document.getElementById('webhook-last-delivery')).toBeNull();
  });

  it('shows failed and held counts as warnings only when there are some', async () => {
    let reply: DeliverySummary = { ...summary, failed: 2 };
    mockSummary(() => reply);
    render(WebhookSummary);

    await summaryReads('3 delivered · 0 pending · 2 failed · 0 held');
    expect(badges()).toEqual(['2 failed']);

    reply = { ...summary, held: 5 };
    await emitEngine(attempt);
    await summaryReads('3 delivered · 0 pending · 0 failed · 5 held');
    expect(badges()).toEqual(['5 held']);

    reply = { ...summary, failed: 1, held: 4 };
    await emitEngine(attempt);
    await summaryReads('3 delivered · 0 pending · 1 failed · 4 held');
    expect(badges()).toEqual(['1 failed', '4 held']);
  });

  it('counts the disabled endpoints', async () => {
    mockSummary({ ...summary, endpoints: 3, enabled_endpoints: 1, held: 2 });
    render(WebhookSummary);

    await summaryReads('3 delivered · 0 pending · 0 failed · 2 held');
    expect(normalized(document.getElementById('webhook-endpoints')!)).toBe('3 endpoints (2 disabled)');
  });

  it('asks for the summary again after a delivery attempt', async () => {
    let reply: DeliverySummary = { ...summary, pending: 1, delivered: 3 };
    const calls = mockSummary(() => reply);
    render(WebhookSummary);
    await summaryReads('3 delivered · 1 pending · 0 failed · 0 held');
    expect(fetches(calls)).toBe(1);

    reply = { ...summary, pending: 0, delivered: 4, last_delivered_at: Date.parse('2027-01-02T03:04:05.000Z') };
    await emitEngine(attempt);

    await summaryReads('4 delivered · 0 pending · 0 failed · 0 held');
    expect(normalized(document.getElementById('webhook-last-delivery')!)).toContain('2027');
    expect(fetches(calls)).toBe(2);
  });

  it('asks for the summary again when an endpoint is disabled or enabled', async () => {
    let reply: DeliverySummary = { ...summary, endpoints: 2, enabled_endpoints: 2 };
    const calls = mockSummary(() => reply);
    render(WebhookSummary);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');

    reply = { ...summary, endpoints: 2, enabled_endpoints: 1, held: 1 };
    await emitEngine({
      type: 'endpoint_disabled',
      endpoint: 7,
      url: 'https://example.com/hooks/transcripts',
      reason: 'the endpoint answered 410 Gone',
    });
    await summaryReads('3 delivered · 0 pending · 0 failed · 1 held');
    expect(normalized(document.getElementById('webhook-endpoints')!)).toBe('2 endpoints (1 disabled)');

    reply = { ...summary, endpoints: 2, enabled_endpoints: 2, pending: 1 };
    await emitEngine({ type: 'endpoint_enabled', endpoint: 7 });
    await summaryReads('3 delivered · 1 pending · 0 failed · 0 held');
    expect(normalized(document.getElementById('webhook-endpoints')!)).toBe('2 endpoints');
    expect(fetches(calls)).toBe(3);
  });

  it('asks for the summary again when endpoints or deliveries changed, and not for other areas', async () => {
    let reply: DeliverySummary = summary;
    const calls = mockSummary(() => reply);
    render(WebhookSummary);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');

    reply = { ...summary, endpoints: 2, enabled_endpoints: 2 };
    await emitEngine({ type: 'changed', what: 'endpoints' });
    await waitFor(() => expect(normalized(document.getElementById('webhook-endpoints')!)).toBe('2 endpoints'));

    reply = { ...summary, endpoints: 2, enabled_endpoints: 2, failed: 1 };
    await emitEngine({ type: 'changed', what: 'deliveries' });
    await summaryReads('3 delivered · 0 pending · 1 failed · 0 held');
    expect(fetches(calls)).toBe(3);

    await emitEngine({ type: 'changed', what: 'folders' });
    await emitEngine({ type: 'changed', what: 'settings' });
    await new Promise((r) => setTimeout(r, 300)); // longer than the gap between fetches
    expect(fetches(calls)).toBe(3);
  });

  it('does not ask again for other engine events, or payloads of another shape', async () => {
    const calls = mockSummary();
    render(WebhookSummary);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');

    await emitEngine({ ...attempt, type: 'attempted' }); // the old contract's type
    await emitEngine({ ...attempt, type: 42 });
    await emitEngine({ type: 'job_deleted', job: 12 });
    await emitEngine(null);
    await emit('webhook-attempt', attempt); // the old event name
    await new Promise((r) => setTimeout(r, 300)); // longer than the gap between fetches
    expect(fetches(calls)).toBe(1);
  });

  it('asks for the summary a bounded number of times for a burst of attempts', async () => {
    let delivered = 3;
    const calls = mockSummary(() => ({ ...summary, delivered }));
    render(WebhookSummary);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');

    for (let i = 0; i < 10; i++) {
      delivered += 1;
      await emitEngine({ ...attempt, message: 100 + i });
    }

    // The latest counts show, after a fetch that started after the last event.
    await summaryReads('13 delivered · 0 pending · 0 failed · 0 held');
    await new Promise((r) => setTimeout(r, 600)); // room for any further fetch
    expect(fetches(calls)).toBeGreaterThanOrEqual(2);
    expect(fetches(calls)).toBeLessThanOrEqual(3);
  });

  it('keeps one fetch in flight, and fetches once more for the events that came meanwhile', async () => {
    const replies: { promise: Promise<unknown>; resolve: (value: unknown) => void }[] = [];
    const calls = mockSummary(() => {
      const reply = deferred<unknown>();
      replies.push(reply);
      return reply.promise;
    });
    render(WebhookSummary);
    await waitFor(() => expect(replies).toHaveLength(1));
    replies[0].resolve(summary);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');

    await emitEngine(attempt);
    await waitFor(() => expect(replies).toHaveLength(2)); // after the gap since the first
    // A burst while it is in flight: no other fetch meanwhile.
    await Promise.all(Array.from({ length: 10 }, (_, i) => emitEngine({ ...attempt, message: i })));
    await settle();
    expect(replies).toHaveLength(2);

    replies[1].resolve({ ...summary, delivered: 4 });
    await summaryReads('4 delivered · 0 pending · 0 failed · 0 held');
    // One more for the burst, and no other.
    await waitFor(() => expect(replies).toHaveLength(3));
    replies[2].resolve({ ...summary, delivered: 14 });
    await summaryReads('14 delivered · 0 pending · 0 failed · 0 held');
    await new Promise((r) => setTimeout(r, 400));
    expect(fetches(calls)).toBe(3);
  });

  it('asks for the summary again when the window fell behind the engine events', async () => {
    let reply: DeliverySummary = { ...summary, pending: 1 };
    const calls = mockSummary(() => reply);
    render(WebhookSummary);
    await summaryReads('3 delivered · 1 pending · 0 failed · 0 held');
    expect(fetches(calls)).toBe(1);

    // The attempts' events were lost: only the lag says something happened.
    reply = { ...summary, pending: 0, delivered: 7 };
    await emit(ENGINE_LAGGED_EVENT, 4096);

    await summaryReads('7 delivered · 0 pending · 0 failed · 0 held');
    expect(fetches(calls)).toBe(2);
  });

  it('asks for the summary a bounded number of times when the window falls behind again and again', async () => {
    let delivered = 3;
    const calls = mockSummary(() => ({ ...summary, delivered }));
    render(WebhookSummary);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');

    for (let i = 0; i < 5; i++) {
      delivered += 2;
      await emit(ENGINE_LAGGED_EVENT, 100);
      await emitEngine(attempt);
    }

    await summaryReads('13 delivered · 0 pending · 0 failed · 0 held');
    await new Promise((r) => setTimeout(r, 600)); // room for any further fetch
    expect(fetches(calls)).toBeGreaterThanOrEqual(2);
    expect(fetches(calls)).toBeLessThanOrEqual(3);
  });

  it('says the status is unavailable when the command fails, and recovers at the next attempt', async () => {
    let fail = true;
    mockSummary(() => {
      if (fail) throw engineError('database is locked');
      return summary;
    });
    render(WebhookSummary);

    const line = await findById('webhook-summary-error');
    expect(line.textContent).toBe('Delivery status unavailable: database is locked');
    expect(line.classList.contains('muted')).toBe(true);
    expect(region().contains(line)).toBe(true);
    expect(document.getElementById('webhook-summary')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull(); // an aside, not an alert

    fail = false;
    await emitEngine(attempt);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');
    expect(document.getElementById('webhook-summary-error')).toBeNull();
  });

  it('says the status is unavailable when the reply has another shape', async () => {
    mockSummary({ delivered: '3' } as unknown as DeliverySummary);
    render(WebhookSummary);

    const line = await findById('webhook-summary-error');
    expect(line.textContent).toBe('Delivery status unavailable: deliveries_summary gave a reply of another shape');
  });

  it('asks for the summary only once listening to engine events', async () => {
    mockSummary();
    const calls = recordIpc();
    render(WebhookSummary);

    await findById('webhook-summary');
    const listening = calls.indexOf('plugin:event|listen engine-event');
    const listeningLagged = calls.indexOf('plugin:event|listen engine-lagged');
    expect(listening).toBeGreaterThanOrEqual(0);
    expect(listeningLagged).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf('deliveries_summary')).toBeGreaterThan(listening);
    expect(calls.indexOf('deliveries_summary')).toBeGreaterThan(listeningLagged);
  });

  it('stops listening when destroyed, and asks for nothing after', async () => {
    const reply = deferred<unknown>();
    let first = true;
    const calls = mockSummary(() => {
      if (first) {
        first = false;
        return summary;
      }
      return reply.promise;
    });
    const { unmount } = render(WebhookSummary);
    await summaryReads('3 delivered · 0 pending · 0 failed · 0 held');

    await emitEngine(attempt);
    await waitFor(() => expect(fetches(calls)).toBe(2));
    await emitEngine(attempt); // would ask once more after the one in flight
    const ipc = recordIpc();

    unmount();
    reply.resolve({ ...summary, delivered: 9 });
    await waitFor(() => expect(ipc).toContain('plugin:event|unlisten engine-event'));
    expect(ipc).toContain('plugin:event|unlisten engine-lagged');
    await emitEngine(attempt);
    await new Promise((r) => setTimeout(r, 400)); // longer than the gap between fetches

    expect(fetches(calls)).toBe(2);
  });

  it('asks for nothing when destroyed before listening', async () => {
    const calls = mockSummary();
    const { unmount } = render(WebhookSummary);
    unmount(); // `listen` has not resolved yet

    await settle();
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).not.toContain('deliveries_summary');
  });
});
