import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configure, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { toast } from 'svelte-sonner';
import type { InstalledModel, ModelListing } from '../lib/bindings';
import { live } from '../lib/live.svelte';
import { deferred, engineError, mockCommands, settle, type Call, type Handler } from '../lib/test-ipc';
import Models from './Models.svelte';
import { installedModel, modelListing } from './models/test-fixtures';

/** A small catalog: tiny.en installed and default, an imported model, base/base.en and a quantized one. */
function catalog(): ModelListing[] {
  return [
    modelListing('tiny', { size_mib: 75 }),
    modelListing('tiny.en', { size_mib: 75, installed: true, default: true }),
    modelListing('tiny-q5_1', { size_mib: 31 }),
    modelListing('base', { size_mib: 142 }),
    modelListing('base.en', { size_mib: 142 }),
    modelListing('large-v3', { size_mib: 2965 }),
    modelListing('my-call-model', {
      size_mib: 466,
      installed: true,
      in_catalog: false,
      languages: null,
      path: '/home/ada/.local/share/hookscribe/models/ggml-my-call-model.bin',
    }),
  ];
}

function mockModels(models: ModelListing[] | Handler, handlers: Record<string, Handler> = {}): Call[] {
  return mockCommands({
    models_list: typeof models === 'function' ? models : () => models,
    ...handlers,
  });
}

const called = (calls: Call[], cmd: string) => calls.filter((c) => c.cmd === cmd);

async function shown(id: string): Promise<HTMLElement> {
  return waitFor(() => {
    const element = document.getElementById(id);
    if (!element) throw new Error(`#${id} is not shown`);
    return element;
  });
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is not there`);
  return element as T;
}

/** The model rows' names, in order. */
function rowNames(): string[] {
  return [...document.querySelectorAll('#models-table tbody tr[id^="model-"]')].map((tr) =>
    tr.id.replace(/^model-/, ''),
  );
}

// The machine running the tests may be busy: give the window time to answer.
configure({ asyncUtilTimeout: 4000 });

beforeEach(() => {
  vi.spyOn(toast, 'success');
  vi.spyOn(toast, 'error');
});

afterEach(() => {
  clearMocks();
  live.downloads = {};
});

describe('Models: states', () => {
  it('says Loading… until the list comes', async () => {
    const list = deferred<ModelListing[]>();
    mockModels(() => list.promise);
    render(Models);
    expect(screen.getByRole('heading', { level: 1, name: 'Models' })).toBeTruthy();
    expect(
      screen.getByText('Whisper models on this computer. Larger models are more accurate and slower.'),
    ).toBeTruthy();
    expect(await screen.findByText('Loading…')).toBeTruthy();
    list.resolve(catalog());
    await shown('models-table');
    expect(screen.queryByText('Loading…')).toBeNull();
  });

  it('shows the error in plain words, and Retry lists again', async () => {
    let fail = true;
    const calls = mockModels(() => {
      if (fail) throw engineError('cannot read the models folder: permission denied', 'unavailable');
      return catalog();
    });
    render(Models);
    expect(await screen.findByText('The models could not be listed')).toBeTruthy();
    expect(screen.getByText('cannot read the models folder: permission denied')).toBeTruthy();
    fail = false;
    await fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await shown('models-table');
    expect(called(calls, 'models_list')).toHaveLength(2);
  });

  it('says what to do when nothing is listed', async () => {
    mockModels([]);
    render(Models);
    expect(await screen.findByText('No models')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: /Import file/ }).length).toBeGreaterThan(0);
  });

  it('lists installed models first (the default on top), then the catalog, quantized variants on request', async () => {
    mockModels(catalog());
    render(Models);
    await shown('models-table');
    expect(rowNames()).toEqual(['tiny.en', 'my-call-model', 'tiny', 'base', 'base.en', 'large-v3']);

    const tinyEn = byId('model-tiny.en');
    expect(within(tinyEn).getByText('Default')).toBeTruthy();
    expect(within(tinyEn).getByText('75 MB')).toBeTruthy();
    expect(within(tinyEn).getByText('English only')).toBeTruthy();
    expect(within(byId('model-my-call-model')).getByText('Imported')).toBeTruthy();
    expect(within(byId('model-my-call-model')).getByText('Unknown')).toBeTruthy();
    expect(within(byId('model-base')).getByText('Not installed')).toBeTruthy();
    expect(within(byId('model-base')).getByText('Multilingual')).toBeTruthy();
    expect(within(byId('model-large-v3')).getByText('2.9 GB')).toBeTruthy();
    expect(byId('default-model').textContent).toContain('Default model: tiny.en');

    await fireEvent.click(byId('show-quantized'));
    expect(rowNames()).toEqual(['tiny.en', 'my-call-model', 'tiny', 'tiny-q5_1', 'base', 'base.en', 'large-v3']);
  });

  it('warns when the default model is not installed', async () => {
    mockModels([modelListing('tiny.en', { default: true }), modelListing('base')]);
    render(Models);
    await shown('models-table');
    expect(byId('default-model').textContent).toContain('It is not installed yet: download it (75 MB) below to transcribe.');
    const row = byId('model-tiny.en');
    expect(within(row).getByText('Default')).toBeTruthy();
    expect(within(row).getByText('Not installed')).toBeTruthy();
    expect(byId('download-tiny.en')).toBeTruthy();
  });

  it('lists again when the engine says models or settings changed', async () => {
    let models = catalog();
    const calls = mockModels(() => models);
    render(Models);
    await shown('model-tiny.en');
    models = models.map((m) => ({ ...m, default: m.name === 'my-call-model' }));
    live.handle({ type: 'changed', what: 'settings' });
    await waitFor(() => expect(rowNames()[0]).toBe('my-call-model'));
    expect(within(byId('model-my-call-model')).getByText('Default')).toBeTruthy();

    models = models.map((m) => (m.name === 'base' ? { ...m, installed: true } : m));
    live.handle({ type: 'changed', what: 'models' });
    await waitFor(() => expect(within(byId('model-base')).getByText('Installed')).toBeTruthy());
    expect(called(calls, 'models_list')).toHaveLength(3);
  });
});

describe('Models: downloads', () => {
  it('downloads a model, with progress from the engine, then shows it installed', async () => {
    let models = catalog();
    const done = deferred<InstalledModel>();
    const calls = mockModels(() => models, { models_download: () => done.promise });
    render(Models);
    await shown('download-base.en');

    await fireEvent.click(byId('download-base.en'));
    expect(called(calls, 'models_download')[0].args).toEqual({ request: { name: 'base.en' } });
    await shown('download-progress-base.en');
    expect(within(byId('model-base.en')).getByText('Starting…')).toBeTruthy();

    live.handle({
      type: 'model_download',
      name: 'base.en',
      downloaded: 12_300_000,
      total: 148_000_000,
      state: 'running',
      error: null,
    });
    await waitFor(() =>
      expect(within(byId('model-base.en')).getByText('12.3 MB of 148 MB · 8%')).toBeTruthy(),
    );
    const bar = within(byId('model-base.en')).getByRole('progressbar', { name: 'Downloading base.en' });
    expect(Number(bar.getAttribute('aria-valuenow'))).toBeCloseTo(8.3, 1);
    expect(document.getElementById('download-base.en')).toBeNull();

    models = models.map((m) => (m.name === 'base.en' ? { ...m, installed: true } : m));
    live.handle({ type: 'model_download', name: 'base.en', downloaded: 148_000_000, total: 148_000_000, state: 'completed', error: null });
    done.resolve(installedModel('base.en'));
    await waitFor(() => expect(within(byId('model-base.en')).getByText('Installed')).toBeTruthy());
    expect(document.getElementById('download-progress-base.en')).toBeNull();
    expect(byId('default-base.en')).toBeTruthy();
    expect(toast.success).toHaveBeenCalledWith('Downloaded base.en');
  });

  it('cancels a download and says so', async () => {
    const done = deferred<InstalledModel>();
    const calls = mockModels(catalog(), {
      models_download: () => done.promise,
      models_cancel_download: () => {
        done.reject({ kind: 'cancelled', message: 'the download of base was cancelled', subject: { type: 'model', id: 'base' } });
        return true;
      },
    });
    render(Models);
    await fireEvent.click(await shown('download-base'));
    live.handle({ type: 'model_download', name: 'base', downloaded: 1_000_000, total: 148_000_000, state: 'running', error: null });
    await fireEvent.click(await shown('cancel-download-base'));

    expect(called(calls, 'models_cancel_download')[0].args).toEqual({ name: 'base' });
    live.handle({ type: 'model_download', name: 'base', downloaded: 0, total: null, state: 'cancelled', error: 'the download of base was cancelled' });
    await waitFor(() => expect(within(byId('model-base')).getByText('the download of base was cancelled')).toBeTruthy());
    expect(document.getElementById('download-progress-base')).toBeNull();
    expect(byId('download-base')).toBeTruthy(); // can start again
  });

  it('shows why a download failed at the model', async () => {
    mockModels(catalog(), {
      models_download: () => {
        throw engineError('no data from huggingface.co for 30 s; check the connection and try again', 'unavailable');
      },
    });
    render(Models);
    await fireEvent.click(await shown('download-large-v3'));
    const message = await within(byId('model-large-v3')).findByText(
      'no data from huggingface.co for 30 s; check the connection and try again',
    );
    expect(message.getAttribute('role')).toBe('alert');
    expect(byId('download-large-v3')).toBeTruthy();
  });

  it('shows a download the engine reports running, started before the view opened', async () => {
    live.handle({ type: 'model_download', name: 'tiny', downloaded: 37_500_000, total: 75_000_000, state: 'running', error: null });
    mockModels(catalog());
    render(Models);
    await shown('download-progress-tiny');
    expect(within(byId('model-tiny')).getByText('37.5 MB of 75 MB · 50%')).toBeTruthy();
    expect(byId('cancel-download-tiny')).toBeTruthy();
  });
});

describe('Models: default and removal', () => {
  it('makes a model the default', async () => {
    const calls = mockModels(catalog(), { models_set_default: (args) => args.name });
    render(Models);
    await fireEvent.click(await shown('default-my-call-model'));
    expect(called(calls, 'models_set_default')[0].args).toEqual({ name: 'my-call-model' });
    await waitFor(() => expect(within(byId('model-my-call-model')).getByText('Default')).toBeTruthy());
    expect(toast.success).toHaveBeenCalledWith('my-call-model is now the default model');
    expect(document.getElementById('default-my-call-model')).toBeNull();
    expect(byId('default-tiny.en')).toBeTruthy();
  });

  it('shows at the model why it could not become the default', async () => {
    mockModels(catalog(), {
      models_set_default: () => {
        throw engineError('the settings could not be saved: disk full', 'unavailable');
      },
    });
    render(Models);
    await fireEvent.click(await shown('default-my-call-model'));
    expect(
      await within(byId('model-my-call-model')).findByText(
        'Could not make it the default: the settings could not be saved: disk full',
      ),
    ).toBeTruthy();
  });

  it('asks before removing a model, warning when it is the default', async () => {
    let models = catalog();
    const calls = mockModels(() => models, {
      models_remove: (args) => {
        models = models.map((m) => (m.name === args.name ? { ...m, installed: false, path: null } : m));
        return `/home/ada/.local/share/hookscribe/models/ggml-${args.name}.bin`;
      },
    });
    render(Models);
    await fireEvent.click(await shown('remove-tiny.en'));

    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByText('Remove tiny.en?')).toBeTruthy();
    expect(within(dialog).getByText(/Its file \(75 MB\) is deleted from this computer\./).textContent).toContain(
      'It is the default model',
    );
    expect(called(calls, 'models_remove')).toHaveLength(0);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Remove model' }));

    await waitFor(() => expect(called(calls, 'models_remove')).toHaveLength(1));
    expect(called(calls, 'models_remove')[0].args).toEqual({ name: 'tiny.en' });
    await waitFor(() => expect(within(byId('model-tiny.en')).getByText('Not installed')).toBeTruthy());
    expect(toast.success).toHaveBeenCalledWith('Removed tiny.en');
  });

  it('does not warn about the default when removing another model', async () => {
    mockModels(catalog());
    render(Models);
    await fireEvent.click(await shown('remove-my-call-model'));
    const dialog = await screen.findByRole('alertdialog');
    const text = within(dialog).getByText(/Its file \(466 MB\)/).textContent ?? '';
    expect(text).not.toContain('default');
    expect(text).toContain('It was imported: to get it back, import it again.');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
  });
});

describe('Models: imports', () => {
  it('imports a ggml file under a name', async () => {
    const calls = mockModels(catalog(), {
      'plugin:dialog|open': () => '/home/ada/Downloads/ggml-custom.bin',
      models_import: () => installedModel('calls-v2'),
    });
    render(Models);
    await shown('models-table');
    await fireEvent.click(byId('import-file'));

    await shown('import-form');
    const pick = called(calls, 'plugin:dialog|open')[0].args.options as Record<string, unknown>;
    expect(pick.filters).toEqual([{ name: 'ggml model', extensions: ['bin'] }]);
    expect(pick.directory).toBeFalsy();
    expect(byId('import-path').textContent).toBe('/home/ada/Downloads/ggml-custom.bin');
    expect(document.getElementById('import-quantize')).toBeNull(); // folders only
    await waitFor(() => expect(document.activeElement).toBe(byId('import-name')));

    await fireEvent.input(byId('import-name'), { target: { value: 'calls-v2' } });
    await fireEvent.click(byId('import-submit'));
    await waitFor(() => expect(called(calls, 'models_import')).toHaveLength(1));
    expect(called(calls, 'models_import')[0].args).toEqual({
      request: { path: '/home/ada/Downloads/ggml-custom.bin', name: 'calls-v2' },
    });
    await waitFor(() => expect(document.getElementById('import-form')).toBeNull());
    expect(toast.success).toHaveBeenCalledWith('Imported calls-v2');
  });

  it('imports a faster-whisper folder, quantized, showing it is busy meanwhile', async () => {
    const done = deferred<InstalledModel>();
    const calls = mockModels(catalog(), {
      'plugin:dialog|open': () => '/home/ada/models/faster-whisper-large-v3',
      models_import: () => done.promise,
    });
    render(Models);
    await shown('models-table');
    await fireEvent.click(byId('import-folder'));
    await shown('import-form');
    expect((called(calls, 'plugin:dialog|open')[0].args.options as Record<string, unknown>).directory).toBe(true);

    await fireEvent.click(byId('import-quantize'));
    await fireEvent.click(byId('import-submit'));
    await waitFor(() => expect(byId('import-submit').getAttribute('aria-busy')).toBe('true'));
    expect(screen.getByText('Converting the model: this can take a minute.')).toBeTruthy();
    expect(called(calls, 'models_import')[0].args).toEqual({
      request: { path: '/home/ada/models/faster-whisper-large-v3', quantize: true },
    });

    done.resolve(installedModel('large-v3'));
    await waitFor(() => expect(document.getElementById('import-form')).toBeNull());
    expect(toast.success).toHaveBeenCalledWith('Imported large-v3');
  });

  it('shows import errors in the dialog: a name error at the name', async () => {
    const errors = [
      { kind: 'conflict', message: 'a model named tiny.en is installed already', subject: { type: 'model', id: 'tiny.en' } },
      { kind: 'invalid_input', message: 'cannot import /home/ada/x.bin: not a ggml model file', subject: null },
    ];
    const calls = mockModels(catalog(), {
      'plugin:dialog|open': () => '/home/ada/x.bin',
      models_import: () => {
        throw errors.shift();
      },
    });
    render(Models);
    await shown('models-table');
    await fireEvent.click(byId('import-file'));
    await shown('import-form');
    await fireEvent.input(byId('import-name'), { target: { value: 'tiny.en' } });
    await fireEvent.click(byId('import-submit'));
    expect((await shown('import-name-error')).textContent).toBe('a model named tiny.en is installed already');
    expect(byId('import-name').getAttribute('aria-invalid')).toBe('true');

    await fireEvent.click(byId('import-submit'));
    expect((await shown('import-error')).textContent).toBe('cannot import /home/ada/x.bin: not a ggml model file');
    expect(document.getElementById('import-name-error')).toBeNull();
    expect(called(calls, 'models_import')).toHaveLength(2);
    expect(byId('import-form')).toBeTruthy();
  });

  it('does nothing when the picker is cancelled', async () => {
    const calls = mockModels(catalog(), { 'plugin:dialog|open': () => null });
    render(Models);
    await shown('models-table');
    await fireEvent.click(byId('import-file'));
    await settle();
    expect(called(calls, 'plugin:dialog|open')).toHaveLength(1);
    expect(document.getElementById('import-form')).toBeNull();
  });
});
