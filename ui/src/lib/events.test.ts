import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { EngineEvent } from './bindings';
import { ENGINE_EVENT, ENGINE_LAGGED_EVENT, isEngineEvent, onEngineEvent, onEngineLagged } from './events';

const attempted: EngineEvent = {
  type: 'delivery_attempted',
  message: 41,
  endpoint: 7,
  job: null,
  status: 'failed',
  response_status: 500,
  summary: 'HTTP 500 Internal Server Error',
};

const disabled: EngineEvent = {
  type: 'endpoint_disabled',
  endpoint: 7,
  url: 'https://example.com/hook',
  reason: 'the endpoint answered 410 Gone',
};

afterEach(() => {
  clearMocks();
});

describe('event names', () => {
  it('are the ones the shell emits', () => {
    expect(ENGINE_EVENT).toBe('engine-event');
    expect(ENGINE_LAGGED_EVENT).toBe('engine-lagged');
  });
});

describe('isEngineEvent', () => {
  it('accepts objects with a string type and rejects other values', () => {
    expect(isEngineEvent(attempted)).toBe(true);
    expect(isEngineEvent({ type: 'job_deleted', job: 3 })).toBe(true);
    expect(isEngineEvent({ type: 3 })).toBe(false);
    expect(isEngineEvent({ job: 3 })).toBe(false);
    expect(isEngineEvent(['delivery_attempted'])).toBe(false);
    expect(isEngineEvent('delivery_attempted')).toBe(false);
    expect(isEngineEvent(null)).toBe(false);
    expect(isEngineEvent(undefined)).toBe(false);
  });
});

describe('onEngineEvent', () => {
  it('passes the payload of each engine-event, in order, until unlistened', async () => {
    mockIPC(() => {}, { shouldMockEvents: true });
    const handler = vi.fn();
    const unlisten = await onEngineEvent(handler);

    const changed: EngineEvent = { type: 'changed', what: 'endpoints' };
    await emit(ENGINE_EVENT, attempted);
    await emit(ENGINE_EVENT, disabled);
    await emit(ENGINE_EVENT, changed);
    await emit('webhook-attempt', attempted); // the old event names: nothing listens to them
    await emit('webhook-endpoint-disabled', disabled);
    await emit(ENGINE_LAGGED_EVENT, 3);
    expect(handler.mock.calls).toEqual([[attempted], [disabled], [changed]]);

    await unlisten();
    await emit(ENGINE_EVENT, attempted);
    expect(handler).toHaveBeenCalledTimes(3);
  });

  it('ignores payloads that are not objects with a string type', async () => {
    mockIPC(() => {}, { shouldMockEvents: true });
    const handler = vi.fn();
    await onEngineEvent(handler);

    await emit(ENGINE_EVENT, null);
    await emit(ENGINE_EVENT, 'delivery_attempted');
    await emit(ENGINE_EVENT, 42);
    await emit(ENGINE_EVENT, [attempted]);
    await emit(ENGINE_EVENT, { ...attempted, type: undefined });
    await emit(ENGINE_EVENT, { ...attempted, type: 7 });
    expect(handler).not.toHaveBeenCalled();

    await emit(ENGINE_EVENT, attempted);
    expect(handler).toHaveBeenCalledExactlyOnceWith(attempted);
  });

  it('rejects where there is no Tauri backend', async () => {
    await expect(onEngineEvent(() => {})).rejects.toBeDefined();
  });
});

describe('onEngineLagged', () => {
  it('passes how many events were missed, until unlistened', async () => {
    mockIPC(() => {}, { shouldMockEvents: true });
    const handler = vi.fn();
    const unlisten = await onEngineLagged(handler);

    await emit(ENGINE_LAGGED_EVENT, 17);
    await emit(ENGINE_EVENT, attempted);
    expect(handler.mock.calls).toEqual([[17]]);

    await unlisten();
    await emit(ENGINE_LAGGED_EVENT, 2);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('still calls the handler, with null, when the payload is not a count', async () => {
    mockIPC(() => {}, { shouldMockEvents: true });
    const handler = vi.fn();
    await onEngineLagged(handler);

    await emit(ENGINE_LAGGED_EVENT, '17');
    await emit(ENGINE_LAGGED_EVENT, -1);
    await emit(ENGINE_LAGGED_EVENT);
    expect(handler.mock.calls).toEqual([[null], [null], [null]]);
  });
});
