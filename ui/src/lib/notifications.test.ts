import { afterEach, describe, expect, it } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { EndpointView, EngineError, EngineEvent } from './bindings';
import { endpointView } from './test-fixtures';
import { disabledEndpoints, isEndpointDisabled, type EndpointDisabled } from './notifications';

const notice: EndpointDisabled = {
  type: 'endpoint_disabled',
  endpoint: 3,
  url: 'https://example.com/hook',
  reason: '5 deliveries failed in a row',
};

const endpoint = endpointView;

/** An endpoint disabled at some time for `reason`. */
function disabled(id: number, reason: string | null, fields: Partial<EndpointView> = {}): EndpointView {
  return endpoint(id, {
    enabled: false,
    disabled: reason === null ? null : { at: 1_700_000_100_000, reason },
    ...fields,
  });
}

afterEach(() => {
  clearMocks();
});

describe('isEndpointDisabled', () => {
  it('accepts the serialized Rust event and rejects other events', () => {
    expect(isEndpointDisabled(notice)).toBe(true);
    expect(isEndpointDisabled({ ...notice, reason: undefined } as unknown as EngineEvent)).toBe(false);
    expect(isEndpointDisabled({ ...notice, endpoint: '3' } as unknown as EngineEvent)).toBe(false);
    expect(isEndpointDisabled({ type: 'changed', what: 'endpoints' })).toBe(false);
    expect(isEndpointDisabled({ ...notice, type: 'endpoint_enabled' } as unknown as EngineEvent)).toBe(false);
  });
});

describe('disabledEndpoints', () => {
  it('invokes endpoints_list without arguments and keeps the disabled endpoints, in order, as banners', async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return [
        endpoint(1),
        disabled(3, '5 deliveries failed in a row', { url: 'https://example.com/hook' }),
        endpoint(5),
        disabled(9, 'disabled by the user'),
      ];
    });

    await expect(disabledEndpoints()).resolves.toEqual([
      notice,
      { type: 'endpoint_disabled', endpoint: 9, url: 'https://example.com/hooks/9', reason: 'disabled by the user' },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('endpoints_list');
    expect(calls[0][1] ?? {}).toEqual({});
  });

  it('says so where a disabled endpoint gives an empty reason, and skips one without its facts', async () => {
    mockIPC(() => [disabled(4, null), disabled(5, '')]); // 4: a shape the engine never sends
    const list = await disabledEndpoints();
    expect(list.map((n) => [n.endpoint, n.reason])).toEqual([
      [5, 'no reason given'],
    ]);
  });

  it('skips items of another shape', async () => {
    mockIPC(() => [
      disabled(3, 'gone'),
      { ...disabled(4, 'gone'), id: '4' },
      null,
      { ...disabled(6, 'gone'), url: 5 },
      { ...disabled(7, 'gone'), enabled: 'no' },
      { ...disabled(8, 'gone'), disabled: { at: 1, reason: 42 } },
      'x',
      disabled(9, 'gone'),
    ]);
    const list = await disabledEndpoints();
    expect(list.map((n) => n.endpoint)).toEqual([3, 9]);
  });

  it('gives none when the reply is not a list', async () => {
    mockIPC(() => ({ endpoints: [disabled(3, 'gone')] }));
    await expect(disabledEndpoints()).resolves.toEqual([]);
  });

  it('rejects with the engine error when the command fails', async () => {
    const error: EngineError = { kind: 'unavailable', message: 'database is locked', subject: null };
    mockIPC(() => {
      throw error;
    });
    await expect(disabledEndpoints()).rejects.toEqual(error);
  });
});
