import { afterEach, describe, expect, it } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { EngineError, EngineStatus } from './bindings';
import { engineStatus, errorText } from './engine';

const status: EngineStatus = {
  version: '0.1.0',
  home: '/home/ada/.local/share/hookscribe',
  default_model: 'tiny.en',
  default_model_installed: true,
  installed_models: ['tiny.en'],
  running: true,
  queued: 0,
  running_jobs: 0,
  failed_jobs: 0,
  webhooks: {
    endpoints: 0,
    enabled_endpoints: 0,
    pending: 0,
    delivered: 0,
    failed: 0,
    held: 0,
    last_delivered_at: null,
  },
};

afterEach(() => {
  clearMocks();
});

describe('engineStatus', () => {
  it('invokes engine_status without arguments', async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return status;
    });

    await expect(engineStatus()).resolves.toEqual(status);
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toBe('engine_status');
    expect(calls[0][1] ?? {}).toEqual({});
  });
});

describe('errorText', () => {
  it('reads the message of an engine error', () => {
    const error: EngineError = {
      kind: 'not_found',
      message: 'no endpoint 7',
      subject: { type: 'endpoint', id: 7 },
    };
    expect(errorText(error)).toBe('no endpoint 7');
  });

  it('reads strings, errors and other values', () => {
    expect(errorText('database is locked')).toBe('database is locked');
    expect(errorText(new Error('boom'))).toBe('boom');
    expect(errorText({ kind: 'internal' })).toBe('{"kind":"internal"}');
    expect(errorText(undefined)).toBe('undefined');
  });
});
