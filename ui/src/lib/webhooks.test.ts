import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { DeliverySummary, EngineError } from './bindings';
import {
  coalesce,
  deliverySummary,
  endpointCount,
  isDeliverySummary,
  isoDateTime,
  localDateTime,
} from './webhooks';

/** 2026-11-23T17:05:36.762Z */
const LAST_DELIVERED_MS = Date.UTC(2026, 10, 23, 17, 5, 36, 762);

const summary: DeliverySummary = {
  endpoints: 2,
  enabled_endpoints: 1,
  pending: 1,
  delivered: 12,
  failed: 0,
  held: 3,
  last_delivered_at: LAST_DELIVERED_MS,
};

afterEach(() => {
  clearMocks();
});

describe('deliverySummary', () => {
  it('invokes deliveries_summary without arguments', async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return summary;
    });

    await expect(deliverySummary()).resolves.toEqual(summary);
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('deliveries_summary');
    expect(calls[0][1] ?? {}).toEqual({});
  });

  it('rejects a reply of another shape', async () => {
    mockIPC(() => ({ ...summary, held: '3' }));
    await expect(deliverySummary()).rejects.toThrow('deliveries_summary gave a reply of another shape');
  });

  it('rejects with the engine error when the command fails', async () => {
    const error: EngineError = { kind: 'unavailable', message: 'database is locked', subject: null };
    mockIPC(() => {
      throw error;
    });
    await expect(deliverySummary()).rejects.toEqual(error);
  });
});

describe('isDeliverySummary', () => {
  it('accepts the serialized Rust summary and rejects other values', () => {
    expect(isDeliverySummary(summary)).toBe(true);
    expect(isDeliverySummary({ ...summary, last_delivered_at: null })).toBe(true);
    expect(isDeliverySummary({ ...summary, last_delivered_at: undefined })).toBe(false);
    // The old contract's RFC 3339 text is no longer a time here.
    expect(isDeliverySummary({ ...summary, last_delivered_at: '2026-11-23T17:05:36.762Z' })).toBe(false);
    expect(isDeliverySummary({ ...summary, last_delivered_at: Number.NaN })).toBe(false);
    expect(isDeliverySummary({ ...summary, failed: -1 })).toBe(false);
    expect(isDeliverySummary({ ...summary, pending: undefined })).toBe(false);
    expect(isDeliverySummary([summary])).toBe(false);
    expect(isDeliverySummary(null)).toBe(false);
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
  it('formats a unix-millisecond time in the locale, and gives a number that is no time as it is', () => {
    const text = localDateTime(LAST_DELIVERED_MS);
    expect(text).toBe(new Date('2026-11-23T17:05:36.762Z').toLocaleString());
    expect(text).toContain('2026');
    expect(localDateTime(Number.NaN)).toBe('NaN');
    expect(localDateTime(1e20)).toBe('100000000000000000000');
  });
});

describe('isoDateTime', () => {
  it('gives a unix-millisecond time in ISO 8601, and nothing for a number that is no time', () => {
    expect(isoDateTime(LAST_DELIVERED_MS)).toBe('2026-11-23T17:05:36.762Z');
    expect(isoDateTime(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(isoDateTime(Number.NaN)).toBeUndefined();
    expect(isoDateTime(1e20)).toBeUndefined();
  });
});
