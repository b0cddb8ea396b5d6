import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import {
  disabledEndpoints,
  ENDPOINT_DISABLED_EVENT,
  isEndpointDisabled,
  onEndpointDisabled,
  type EndpointDisabled,
} from './notifications';

const notice: EndpointDisabled = {
  type: 'endpoint_disabled',
  endpoint: 3,
  url: 'https://example.com/hook',
  reason: '5 deliveries failed in a row',
};

afterEach(() => {
  clearMocks();
});

describe('onEndpointDisabled', () => {
  it('passes the payload of each webhook-endpoint-disabled event, until unlistened', async () => {
    mockIPC(() => {}, { shouldMockEvents: true });
    const handler = vi.fn();
    const unlisten = await onEndpointDisabled(handler);

    await emit(ENDPOINT_DISABLED_EVENT, notice);
    await emit('some-other-event', notice);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledWith(notice);

    await unlisten();
    await emit(ENDPOINT_DISABLED_EVENT, notice);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('skips payloads of another shape', async () => {
    mockIPC(() => {}, { shouldMockEvents: true });
    const handler = vi.fn();
    await onEndpointDisabled(handler);

    await emit(ENDPOINT_DISABLED_EVENT, { ...notice, type: 'endpoint_enabled' });
    await emit(ENDPOINT_DISABLED_EVENT, { ...notice, endpoint: '3' });
    await emit(ENDPOINT_DISABLED_EVENT, null);
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('isEndpointDisabled', () => {
  it('accepts the serialized Rust event and rejects other values', () => {
    expect(isEndpointDisabled(notice)).toBe(true);
    expect(isEndpointDisabled({ ...notice, reason: undefined })).toBe(false);
    expect(isEndpointDisabled('endpoint_disabled')).toBe(false);
    expect(isEndpointDisabled(undefined)).toBe(false);
  });
});

describe('disabledEndpoints', () => {
  it('invokes disabled_endpoints without arguments and keeps the well-formed items, in order', async () => {
    const calls: [string, unknown][] = [];
    const manual = { ...notice, endpoint: 9, reason: 'disabled by the user' };
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return [notice, { ...notice, endpoint: '4' }, null, { ...notice, url: 5 }, manual, 'x'];
    });

    await expect(disabledEndpoints()).resolves.toEqual([notice, manual]);
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('disabled_endpoints');
    expect(calls[0][1] ?? {}).toEqual({});
  });

  it('gives none when the reply is not a list', async () => {
    mockIPC(() => ({ endpoints: [notice] }));
    await expect(disabledEndpoints()).resolves.toEqual([]);
  });

  it('rejects when the command fails', async () => {
    mockIPC(() => {
      throw 'command disabled_endpoints not found';
    });
    await expect(disabledEndpoints()).rejects.toBe('command disabled_endpoints not found');
  });
});
