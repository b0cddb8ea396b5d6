import { afterEach, describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import App from './App.svelte';
import type { EngineStatus } from './lib/engine';

const status: EngineStatus = {
  version: '0.1.0',
  home: '/home/ada/.local/share/hookscribe',
  default_model: 'tiny.en',
  default_model_installed: true,
  installed_models: ['tiny.en'],
};

/** Answers `engine_status` with `reply` (a value, or a function that may throw). */
function mockEngine(reply: EngineStatus | (() => unknown)) {
  const calls: string[] = [];
  mockIPC((cmd) => {
    calls.push(cmd);
    if (cmd === 'engine_status') return typeof reply === 'function' ? reply() : reply;
    throw new Error(`unexpected command ${cmd}`);
  });
  return calls;
}

/** Waits for an element by id (rendering is async: the command resolves after mount). */
async function findById(id: string): Promise<HTMLElement> {
  return screen.findByText((_, el) => el?.id === id);
}

afterEach(() => {
  clearMocks();
});

describe('App', () => {
  it('shows the heading and a loading state before the engine answers', () => {
    mockIPC(() => new Promise(() => {})); // never resolves
    render(App);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Hookscribe');
    expect(screen.getByText('Local transcription, delivered to your webhooks.')).toBeTruthy();
    expect(screen.getByText('Loading…')).toBeTruthy();
  });

  it('renders the version and the default model from engine_status', async () => {
    const calls = mockEngine(status);
    render(App);

    const version = await findById('engine-version');
    expect(version.textContent).toBe('Engine version 0.1.0');

    const model = document.getElementById('default-model');
    expect(model).not.toBeNull();
    expect(model!.textContent!.replace(/\s+/g, ' ').trim()).toBe('Default model: tiny.en installed');

    expect(screen.getByText(status.home)).toBeTruthy();
    expect(screen.queryByText('Loading…')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(calls).toEqual(['engine_status']);
  });

  it('says "not installed" when the default model is missing', async () => {
    mockEngine({ ...status, default_model: 'base.en', default_model_installed: false, installed_models: [] });
    render(App);

    const model = await findById('default-model');
    expect(model.textContent).toContain('base.en');
    expect(model.textContent).toContain('not installed');
    expect(model.querySelector('.badge')?.textContent).toBe('not installed');
  });

  it('shows the error in an alert when the command fails', async () => {
    mockEngine(() => {
      throw 'database is locked';
    });
    render(App);

    const alert = await screen.findByRole('alert');
    expect(alert.id).toBe('engine-error');
    expect(alert.textContent).toBe('database is locked');
    expect(document.getElementById('engine-version')).toBeNull();
    expect(screen.queryByText('Loading…')).toBeNull();
  });
});
