import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import {
  coalesce,
  endpointCount,
  isWebhookAttempt,
  isWebhookSummary,
  localDateTime,
  onWebhookAttempt,
  WEBHOOK_ATTEMPT_EVENT,
  webhookSummary,
  type WebhookAttempt,
  type WebhookSummary,
} from './webhooks';

const summary: WebhookSummary = {
  endpoints: 2,
  enabled_endpoints: 1,
  pending: 1,
  delivered: 12,
  failed: 0,
  held: 3,
  last_delivered_at: '2026-11-23T17:05:36.762Z',
};

const attempt: WebhookAttempt = {
  type: 'attempted',
  message: 41,
  endpoint: 7,
  job: null,
  status: 'failed',
  response_status: 500,
  summary: 'HTTP 500 Internal Server Error',
};

afterEach(() => {
  clearMocks();
});

describe('webhookSummary', () => {
  it('invokes webhook_summary without arguments', async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return summary;
    });

    await expect(webhookSummary()).resolves.toEqual(summary);
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('webhook_summary');
    expect(calls[0][1] ?? {}).toEqual({});
  });

  it('rejects a reply of another shape', async () => {
    mockIPC(() => ({ ...summary, held: '3' }));
    await expect(webhookSummary()).rejects.toThrow('webhook_summary gave a reply of another shape');
  });

  it('rejects when the command fails', async () => {
    mockIPC(() => {
      throw 'database is locked';
    });
    await expect(webhookSummary()).rejects.toBe('database is locked');
  });
});

describe('isWebhookSummary', () => {
  it('accepts the serialized Rust summary and rejects other values', () => {
    expect(isWebhookSummary(summary)).toBe(true);
    expect(isWebhookSummary({ ...summary, last_delivered_at: null })).toBe(true);
    expect(isWebhookSummary({ ...summary, last_delivered_at: undefined })).toBe(false);
    expect(isWebhookSummary({ ...summary, failed: -1 })).toBe(false);
    expect(isWebhookSummary({ ...summary, pending: undefined })).toBe(false);
    expect(isWebhookSummary([summary])).toBe(false);
    expect(isWebhookSummary(null)).toBe(false);
  });
});

describe('isWebhookAttempt', () => {
  it('accepts the serialized Rust event and rejects other values', () => {
    expect(isWebhookAttempt(attempt)).toBe(true);
    expect(isWebhookAttempt({ ...attempt, job: 3, status: 'delivered', response_status: null })).toBe(true);
    expect(isWebhookAttempt({ ...attempt, type: 'endpoint_disabled' })).toBe(false);
    expect(isWebhookAttempt({ ...attempt, status: 'lost' })).toBe(false);
    expect(isWebhookAttempt({ ...attempt, message: '41' })).toBe(false);
    expect(isWebhookAttempt({ ...attempt, summary: undefined })).toBe(false);
    expect(isWebhookAttempt(undefined)).toBe(false);
  });
});

describe('onWebhookAttempt', () => {
  it('passes the payload of each webhook-attempt event, until unlistened', async () => {
    mockIPC(() => {}, { shouldMockEvents: true });
    const handler = vi.fn();
    const unlisten = await onWebhookAttempt(handler);

    await emit(WEBHOOK_ATTEMPT_EVENT, attempt);
    await emit(WEBHOOK_ATTEMPT_EVENT, { ...attempt, status: 'unknown' });
    await emit('webhook-endpoint-disabled', attempt);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledWith(attempt);

    await unlisten();
    await emit(WEBHOOK_ATTEMPT_EVENT, attempt);
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

describe('coalesce', () => {
  /** A task whose runs end when told, recording when each started. */
  function gatedTask() {
    const runs: (() => void)[] = [];
    const task = () => new Promise<void>((resolve) => runs.push(resolve));
    return { runs, task };
  }

  async function tick() {
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
  }

  it('runs once for a call when idle', async () => {
    const task = vi.fn(async () => {});
    const call = coalesce(task);
    await call();
    expect(task).toHaveBeenCalledTimes(1);
    await call();
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('keeps one run in flight and runs once more for all the calls that came meanwhile', async () => {
    const { runs, task } = gatedTask();
    const call = coalesce(task);

    const first = call();
    await tick();
    expect(runs).toHaveLength(1);
    const during = Array.from({ length: 10 }, () => call());
    await tick();
    expect(runs).toHaveLength(1);

    runs[0]();
    await tick();
    expect(runs).toHaveLength(2); // one more, for the ten
    runs[1]();
    await Promise.all([first, ...during]); // each settles once a run after it ended
    await tick();
    expect(runs).toHaveLength(2);
  });

  it('starts runs at least the gap apart', async () => {
    const starts: number[] = [];
    const call = coalesce(async () => {
      starts.push(Date.now());
    }, 60);

    await call();
    await Promise.all([call(), call(), call()]);
    expect(starts).toHaveLength(2);
    expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(55); // timers may fire a little early
  });

  it('goes on after a task that rejects or throws', async () => {
    let calls = 0;
    const call = coalesce(() => {
      calls += 1;
      throw new Error('boom');
    });
    await call();
    await call();
    expect(calls).toBe(2);
  });
});

describe('endpointCount', () => {
  it('says endpoint or endpoints', () => {
    expect(endpointCount(0)).toBe('0 endpoints');
    expect(endpointCount(1)).toBe('1 endpoint');
    expect(endpointCount(2)).toBe('2 endpoints');
  });
});

describe('localDateTime', () => {
  it('formats an RFC 3339 time in the locale, and gives other text as it is', () => {
    const text = localDateTime('2026-11-23T17:05:36.762Z');
    expect(text).toBe(new Date('2026-11-23T17:05:36.762Z').toLocaleString());
    expect(text).toContain('2026');
    expect(localDateTime('yesterday')).toBe('yesterday');
  });
});
