import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import EngineStatusCard from './EngineStatusCard.svelte';
import type { DeliverySummary, EngineError, EngineStatus } from '../lib/bindings';
import { findById, normalized } from './test-helpers';

const summary: DeliverySummary = {
  endpoints: 1,
  enabled_endpoints: 1,
  pending: 0,
  delivered: 3,
  failed: 0,
  held: 0,
  last_delivered_at: null,
};

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
  webhooks: summary,
};

function engineError(message: string): EngineError {
  return { kind: 'unavailable', message, subject: null };
}

/** Answers `engine_status` with `reply` (a value, or a function that may throw); records the calls. */
function mockStatus(reply: EngineStatus | (() => unknown)) {
  const calls: string[] = [];
  mockIPC((cmd) => {
    calls.push(cmd);
    if (cmd === 'engine_status') return typeof reply === 'function' ? reply() : reply;
    throw new Error(`unexpected command ${cmd}`);
  });
  return calls;
}

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('EngineStatusCard', () => {
  it('shows its heading and a loading line before the engine answers', () => {
    mockIPC(() => new Promise(() => {})); // never resolves
    render(EngineStatusCard);
    const card = screen.getByRole('region', { name: 'Engine' });
    expect(card.getAttribute('aria-busy')).toBe('true');
    expect(screen.getByText('Loading…')).toBeTruthy();
  });

  it('renders the version, the default model and the data folder from engine_status', async () => {
    const calls = mockStatus({ ...status, installed_models: ['tiny.en', 'base'] });
    render(EngineStatusCard);

    const version = await findById('engine-version');
    expect(version.textContent).toBe('Engine version 0.1.0');
    expect(normalized(document.getElementById('default-model')!)).toBe('Default model: tiny.en installed');
    expect(screen.getByText(status.home)).toBeTruthy();
    expect(normalized(document.getElementById('installed-models')!)).toBe('Installed models: tiny.en, base');
    expect(screen.queryByText('Loading…')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('region', { name: 'Engine' }).getAttribute('aria-busy')).toBe('false');
    expect(calls).toEqual(['engine_status']);
  });

  it('says "not installed" when the default model is missing, and lists no installed models', async () => {
    mockStatus({ ...status, default_model: 'base.en', default_model_installed: false, installed_models: [] });
    render(EngineStatusCard);

    const model = await findById('default-model');
    expect(model.textContent).toContain('base.en');
    expect(model.querySelector('.badge')?.textContent).toBe('not installed');
    expect(document.getElementById('installed-models')).toBeNull();
  });

  it('shows the error in an alert when the command fails', async () => {
    mockStatus(() => {
      throw engineError('database is locked');
    });
    render(EngineStatusCard);

    const alert = await screen.findByRole('alert');
    expect(alert.id).toBe('engine-error');
    expect(alert.textContent).toBe('database is locked');
    expect(document.getElementById('engine-version')).toBeNull();
    expect(screen.queryByText('Loading…')).toBeNull();
  });
});
