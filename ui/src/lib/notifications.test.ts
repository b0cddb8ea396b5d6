import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { ENDPOINT_DISABLED_EVENT, isEndpointDisabled, onEndpointDisabled, type EndpointDisabled } from './notifications';

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
