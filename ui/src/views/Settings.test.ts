import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { toast } from 'svelte-sonner';
import Settings from './Settings.svelte';
import type { EngineError, EngineStatus, ModelListing, SettingKind, SettingValue } from '../lib/bindings';
import { live } from '../lib/live.svelte';
import { callsOf, engineError, mockCommands, settle, type Call, type Handler } from '../lib/test-ipc';
import { normalized, stubMatchMedia } from '../components/test-helpers';

function setting(key: string, group: string, kind: SettingKind, value: string, fields: Partial<SettingValue> = {}): SettingValue {
  return { key, value, default: value, is_set: false, description: `About ${key}`, group, kind, auto: null, ...fields };
}

/** The engine's settings (src/settings.rs), in an order other than the view's. */
function settings(): SettingValue[] {
  return [
    setting('ui.theme', 'App', { type: 'choice', options: ['system', 'light', 'dark'] }, 'system', {
      description: "The window's colours: follow the system, or always light or dark",
    }),
    setting('model', 'Transcription', { type: 'model' }, 'base.en'),
    setting('language', 'Transcription', { type: 'language' }, 'auto'),
    setting('threads', 'Transcription', { type: 'count_or_auto', max: 64 }, 'auto'),
    setting('beam_size', 'Transcription', { type: 'count', min: 1, max: 8 }, '3', { default: '5', is_set: true }),
    setting('concurrency', 'Queue', { type: 'count', min: 1, max: 16 }, '1'),
    setting('models.base_url', 'Models', { type: 'url' }, 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main', {
      description: 'Where `models download` fetches from (a Hugging Face mirror)',
    }),
    setting('webhooks.retry_schedule', 'Webhooks', { type: 'duration_list' }, '5s,5m,30m,2h,5h,10h,10h', {
      description: 'Waits between webhook attempts after the first (±20% jitter)',
    }),
    setting('webhooks.disable_after', 'Webhooks', { type: 'duration' }, '5days'),
    setting('webhooks.retention', 'Webhooks', { type: 'duration' }, '30days'),
    setting('folders.paused', 'Folders', { type: 'switch' }, 'false'),
    setting('app.notifications', 'App', { type: 'switch' }, 'true'),
  ];
}

const models: ModelListing[] = [
  { name: 'base.en', size_mib: 142, languages: 'english', installed: true, default: true, in_catalog: true, path: '/m/base.en.bin' },
  { name: 'small', size_mib: 466, languages: 'multilingual', installed: false, default: false, in_catalog: true, path: null },
  { name: 'my-finetune', size_mib: 300, languages: null, installed: true, default: false, in_catalog: false, path: '/m/my.bin' },
];

const status: EngineStatus = {
  version: '0.4.2',
  home: '/home/ada/.local/share/hookscribe',
  default_model: 'base.en',
  default_model_installed: true,
  installed_models: ['base.en'],
  running: true,
  queued: 0,
  running_jobs: 0,
  failed_jobs: 0,
  webhooks: { endpoints: 0, enabled_endpoints: 0, pending: 0, delivered: 0, failed: 0, held: 0, last_delivered_at: null },
};

/** A settings_set that stores what it is given, answering as the engine does. */
function storing(list: SettingValue[]): Handler {
  return (args) => {
    const key = args.key as string;
    const index = list.findIndex((s) => s.key === key);
    list[index] = { ...list[index], value: args.value as string, is_set: true };
    return list[index];
  };
}

function settingError(key: string, message: string): EngineError {
  return { kind: 'invalid_input', message, subject: { type: 'setting', id: key } };
}

function mockSettings(handlers: Record<string, Handler> = {}): Call[] {
  const list = settings();
  return mockCommands({
    settings_list: () => list,
    settings_set: storing(list),
    settings_unset: (args) => {
      const index = list.findIndex((s) => s.key === args.key);
      list[index] = { ...list[index], value: list[index].default, is_set: false };
      return list[index];
    },
    models_list: () => models,
    engine_status: () => status,
    'plugin:opener|reveal_item_in_dir': () => null,
    ...handlers,
  });
}


function byId<T extends HTMLElement = HTMLInputElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no #${id}`);
  return el as T;
}

async function renderView() {
  const view = render(Settings);
  await waitFor(() => byId('setting-model'));
  return view;
}

async function type(id: string, value: string) {
  await fireEvent.input(byId(id), { target: { value } });
}

beforeEach(() => {
  stubMatchMedia();
});

afterEach(() => {
  cleanup();
  toast.dismiss();
  clearMocks();
  delete document.documentElement.dataset.theme;
});

describe('Settings: states', () => {
  it('shows loading until the settings come', () => {
    mockSettings({ settings_list: () => new Promise(() => {}) });
    render(Settings);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Settings');
    expect(screen.getAllByRole('status').some((s) => s.textContent === 'Loading…')).toBe(true);
  });

  it('shows an error with Retry, and the settings after retrying', async () => {
    let fail = true;
    const calls = mockSettings({
      settings_list: () => {
        if (fail) throw engineError('database is locked', 'unavailable');
        return settings();
      },
    });
    render(Settings);

    const alert = await screen.findByText('The settings could not be loaded');
    const box = alert.closest('[role="alert"]') as HTMLElement;
    expect(box.textContent).toContain('database is locked');
    fail = false;
    await fireEvent.click(within(box).getByRole('button', { name: 'Retry' }));
    await waitFor(() => byId('setting-model'));
    expect(callsOf(calls, 'settings_list')).toHaveLength(2);
  });

  it('groups the settings in order, each with its label and description', async () => {
    mockSettings();
    await renderView();

    const headings = screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent);
    expect(headings).toEqual(['Transcription', 'Queue', 'Models', 'Webhooks', 'Folders', 'App', 'About', 'Engine']);
    const transcription = screen.getByRole('region', { name: 'Transcription' });
    expect([...transcription.querySelectorAll('[data-key]')].map((e) => (e as HTMLElement).dataset.key)).toEqual([
      'model',
      'language',
      'threads',
      'beam_size',
    ]);
    expect(screen.getByLabelText('Theme')).toBe(byId('setting-ui-theme'));
    expect(screen.getByLabelText('Download models from')).toBe(byId('setting-models-base_url'));
    expect(byId('setting-models-base_url-hint').textContent).toBe(
      'Where models download fetches from (a Hugging Face mirror). An http:// or https:// URL.',
    );
    expect(byId('setting-models-base_url').getAttribute('aria-describedby')).toBe('setting-models-base_url-hint');
  });

  it('reads the settings again when the engine says they changed', async () => {
    let list = settings();
    const calls = mockSettings({ settings_list: () => list });
    await renderView();
    expect(byId('setting-concurrency').value).toBe('1');

    list = list.map((s) => (s.key === 'concurrency' ? { ...s, value: '2', is_set: true } : s));
    live.bump('settings');

    await waitFor(() => expect(byId('setting-concurrency').value).toBe('2'));
    expect(byId('reset-setting-concurrency')).toBeTruthy();
    expect(callsOf(calls, 'settings_list')).toHaveLength(2);
  });

  it('keeps what the user is typing when the settings are read again', async () => {
    let list = settings();
    mockSettings({ settings_list: () => list });
    await renderView();

    await type('setting-webhooks-retention', '9days');
    list = list.map((s) => (s.key === 'webhooks.retention' ? { ...s, value: '60days' } : s));
    live.bump('settings');
    await settle(20);
    expect(byId('setting-webhooks-retention').value).toBe('9days');
  });
});

describe('Settings: controls', () => {
  it('a switch saves when toggled', async () => {
    const calls = mockSettings();
    await renderView();

    const toggle = byId<HTMLButtonElement>('setting-app-notifications');
    expect(toggle.getAttribute('role')).toBe('switch');
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    expect(screen.getByLabelText('Notifications')).toBe(toggle);

    await fireEvent.click(toggle);

    await waitFor(() => expect(callsOf(calls, 'settings_set')).toEqual([{ key: 'app.notifications', value: 'false' }]));
    await waitFor(() => expect(byId('setting-app-notifications-saved').textContent!.trim()).toBe('Saved'));
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    expect(byId('reset-setting-app-notifications')).toBeTruthy();
  });

  it('the theme applies at once', async () => {
    const calls = mockSettings();
    await renderView();

    const select = byId<HTMLSelectElement>('setting-ui-theme');
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([
      ['system', 'System'],
      ['light', 'Light'],
      ['dark', 'Dark'],
    ]);
    expect(select.value).toBe('system');

    await fireEvent.change(select, { target: { value: 'dark' } });

    await waitFor(() => expect(callsOf(calls, 'settings_set')).toEqual([{ key: 'ui.theme', value: 'dark' }]));
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));
  });

  it('a count saves on blur and on Enter, within its range', async () => {
    const calls = mockSettings();
    await renderView();

    const input = byId('setting-concurrency');
    expect(input.type).toBe('number');
    expect(input.min).toBe('1');
    expect(input.max).toBe('16');
    expect(byId('setting-concurrency-hint').textContent).toContain('From 1 to 16.');

    await type('setting-concurrency', '3');
    await fireEvent.blur(input);
    await waitFor(() => expect(callsOf(calls, 'settings_set')).toEqual([{ key: 'concurrency', value: '3' }]));

    await type('setting-concurrency', '4');
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(callsOf(calls, 'settings_set')).toHaveLength(2));
    expect(callsOf(calls, 'settings_set')[1]).toEqual({ key: 'concurrency', value: '4' });
    await waitFor(() => expect(byId('setting-concurrency-saved').textContent).toContain('Saved'));
  });

  it('does not save an unchanged value', async () => {
    const calls = mockSettings();
    await renderView();
    await fireEvent.blur(byId('setting-concurrency'));
    await type('setting-concurrency', '1');
    await fireEvent.blur(byId('setting-concurrency'));
    await settle();
    expect(callsOf(calls, 'settings_set')).toHaveLength(0);
  });

  it('"Auto" or a number', async () => {
    const calls = mockSettings();
    await renderView();

    const auto = byId('setting-threads-auto');
    const number = byId('setting-threads');
    expect(auto.checked).toBe(true);
    expect(number.disabled).toBe(true);

    await fireEvent.click(auto); // off: a number
    await waitFor(() => expect(callsOf(calls, 'settings_set')).toEqual([{ key: 'threads', value: '4' }]));
    await waitFor(() => expect(number.disabled).toBe(false));
    expect(number.value).toBe('4');

    await type('setting-threads', '6');
    await fireEvent.keyDown(number, { key: 'Enter' });
    await waitFor(() => expect(callsOf(calls, 'settings_set')[1]).toEqual({ key: 'threads', value: '6' }));

    await fireEvent.click(auto); // on again
    await waitFor(() => expect(callsOf(calls, 'settings_set')[2]).toEqual({ key: 'threads', value: 'auto' }));
    await waitFor(() => expect(number.disabled).toBe(true));
  });

  it('"Auto" shows what it stands for on this computer, and starts the number from it', async () => {
    const list = settings().map((s) => (s.key === 'threads' ? { ...s, auto: '2' } : s));
    const calls = mockSettings({ settings_list: () => list, settings_set: storing(list) });
    await renderView();

    const auto = byId('setting-threads-auto');
    const number = byId('setting-threads');
    expect(auto.checked).toBe(true);
    expect(number.disabled).toBe(true);
    expect(number.value).toBe('2');

    await fireEvent.click(auto); // off: this computer's number, to change from there
    await waitFor(() => expect(callsOf(calls, 'settings_set')).toEqual([{ key: 'threads', value: '2' }]));
    await waitFor(() => expect(number.disabled).toBe(false));

    await type('setting-threads', '6');
    await fireEvent.keyDown(number, { key: 'Enter' });
    await waitFor(() => expect(callsOf(calls, 'settings_set')[1]).toEqual({ key: 'threads', value: '6' }));
    await fireEvent.click(auto); // on again: the greyed number is what auto means, not 6
    await waitFor(() => expect(callsOf(calls, 'settings_set')[2]).toEqual({ key: 'threads', value: 'auto' }));
    await waitFor(() => expect(number.disabled).toBe(true));
    expect(number.value).toBe('2');
  });

  it('the model is picked from installed and catalog models', async () => {
    const calls = mockSettings();
    await renderView();

    const select = byId<HTMLSelectElement>('setting-model');
    expect(select.tagName).toBe('SELECT');
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([
      ['base.en', 'base.en · installed'],
      ['my-finetune', 'my-finetune · installed'],
      ['small', 'small · not downloaded yet'],
    ]);
    expect(select.value).toBe('base.en');

    await fireEvent.change(select, { target: { value: 'small' } });
    await waitFor(() => expect(callsOf(calls, 'settings_set')).toEqual([{ key: 'model', value: 'small' }]));
  });

  it('the model is a text field when the models cannot be listed', async () => {
    const calls = mockSettings({
      models_list: () => {
        throw engineError('models folder unreadable', 'unavailable');
      },
    });
    render(Settings);
    await waitFor(() => expect(byId('setting-model').tagName).toBe('INPUT'));
    await type('setting-model', '/models/custom.bin');
    await fireEvent.keyDown(byId('setting-model'), { key: 'Enter' });
    await waitFor(() => expect(callsOf(calls, 'settings_set')).toEqual([{ key: 'model', value: '/models/custom.bin' }]));
  });

  it('the language is picked from a list, auto first', async () => {
    const calls = mockSettings();
    await renderView();

    const select = byId<HTMLSelectElement>('setting-language');
    expect(select.options[0].value).toBe('auto');
    expect(select.options[0].textContent).toBe('Detect automatically');
    expect([...select.options].find((o) => o.value === 'de')!.textContent).toBe('German (de)');

    await fireEvent.change(select, { target: { value: 'de' } });
    await waitFor(() => expect(callsOf(calls, 'settings_set')).toEqual([{ key: 'language', value: 'de' }]));
  });

  it('durations are typed, with examples', async () => {
    const calls = mockSettings();
    await renderView();

    expect(byId('setting-webhooks-retry_schedule-hint').textContent).toBe(
      'Waits between webhook attempts after the first (±20% jitter). Comma-separated, for example 5s,5m,30m,2h; empty: no retries.',
    );
    expect(byId('setting-webhooks-disable_after-hint').textContent).toContain('For example 30s, 5m, 2h or 5days.');

    await type('setting-webhooks-retry_schedule', ' 10s,1m ');
    await fireEvent.blur(byId('setting-webhooks-retry_schedule'));
    await waitFor(() =>
      expect(callsOf(calls, 'settings_set')).toEqual([{ key: 'webhooks.retry_schedule', value: '10s,1m' }]),
    );

    await type('setting-webhooks-disable_after', '2days');
    await fireEvent.keyDown(byId('setting-webhooks-disable_after'), { key: 'Enter' });
    await waitFor(() =>
      expect(callsOf(calls, 'settings_set')[1]).toEqual({ key: 'webhooks.disable_after', value: '2days' }),
    );
  });

  it('Esc puts the saved value back', async () => {
    const calls = mockSettings();
    await renderView();
    await type('setting-webhooks-retention', '1day');
    await fireEvent.keyDown(byId('setting-webhooks-retention'), { key: 'Escape' });
    expect(byId('setting-webhooks-retention').value).toBe('30days');
    await fireEvent.blur(byId('setting-webhooks-retention'));
    await settle();
    expect(callsOf(calls, 'settings_set')).toHaveLength(0);
  });
});

describe('Settings: errors and reset', () => {
  it("shows the engine's error at the setting, and keeps what was typed", async () => {
    mockSettings({
      settings_set: () => {
        throw settingError('webhooks.retention', "'soon' is not a valid value for webhooks.retention: a duration such as 30s, 5m, 2h or 5days");
      },
    });
    await renderView();

    await type('setting-webhooks-retention', 'soon');
    await fireEvent.blur(byId('setting-webhooks-retention'));

    const error = await waitFor(() => byId('setting-webhooks-retention-error'));
    expect(error.textContent).toBe(
      "'soon' is not a valid value for webhooks.retention: a duration such as 30s, 5m, 2h or 5days",
    );
    const input = byId('setting-webhooks-retention');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toContain('setting-webhooks-retention-error');
    expect(input.value).toBe('soon');
    expect(document.getElementById('setting-webhooks-retention-saved')).toBeNull();
    // No other setting shows it.
    expect(screen.getAllByRole('alert')).toHaveLength(1);
  });

  it('clears the error once a good value is saved', async () => {
    let fail = true;
    const list = settings();
    const store = storing(list);
    mockSettings({
      settings_list: () => list,
      settings_set: (args) => {
        if (fail) throw settingError('models.base_url', "'ftp://x' is not a valid value for models.base_url: an http:// or https:// URL");
        return store(args);
      },
    });
    await renderView();

    await type('setting-models-base_url', 'ftp://x');
    await fireEvent.keyDown(byId('setting-models-base_url'), { key: 'Enter' });
    await waitFor(() => byId('setting-models-base_url-error'));

    fail = false;
    await type('setting-models-base_url', 'https://mirror.example.com/whisper');
    await fireEvent.keyDown(byId('setting-models-base_url'), { key: 'Enter' });
    await waitFor(() => expect(document.getElementById('setting-models-base_url-error')).toBeNull());
    await waitFor(() => byId('setting-models-base_url-saved'));
  });

  it('puts a list back to the saved value when the engine refuses the choice', async () => {
    mockSettings({
      settings_set: () => {
        throw settingError('language', "'xx' is not a valid value for language");
      },
    });
    await renderView();
    const select = byId<HTMLSelectElement>('setting-language');
    await fireEvent.change(select, { target: { value: 'de' } });
    await waitFor(() => byId('setting-language-error'));
    await waitFor(() => expect(select.value).toBe('auto'));
  });

  it('puts a switch back when saving it fails', async () => {
    mockSettings({
      settings_set: () => {
        throw settingError('folders.paused', 'database is locked');
      },
    });
    await renderView();
    const toggle = byId<HTMLButtonElement>('setting-folders-paused');
    await fireEvent.click(toggle);
    expect((await waitFor(() => byId('setting-folders-paused-error'))).textContent).toBe('database is locked');
    expect(toggle.getAttribute('aria-checked')).toBe('false');
  });

  it('resets a setting to its default', async () => {
    const calls = mockSettings();
    await renderView();

    expect(byId('setting-beam_size').value).toBe('3');
    expect(document.getElementById('reset-setting-concurrency')).toBeNull(); // not set: nothing to reset
    const reset = byId<HTMLButtonElement>('reset-setting-beam_size');
    expect(reset.textContent!.trim()).toBe('Reset to default');
    expect(reset.title).toBe('Default: 5');

    await fireEvent.click(reset);

    await waitFor(() => expect(callsOf(calls, 'settings_unset')).toEqual([{ key: 'beam_size' }]));
    await waitFor(() => expect(byId('setting-beam_size').value).toBe('5'));
    expect(document.getElementById('reset-setting-beam_size')).toBeNull();
    expect(byId('setting-beam_size-saved').textContent).toContain('Reset to default');
  });

  it('resetting the theme applies the default', async () => {
    const list = settings().map((s) => (s.key === 'ui.theme' ? { ...s, value: 'dark', is_set: true } : s));
    mockSettings({
      settings_list: () => list,
      settings_unset: () => ({ ...list[0], value: 'system', is_set: false }),
    });
    document.documentElement.dataset.theme = 'dark';
    await renderView();

    await fireEvent.click(byId('reset-setting-ui-theme'));
    await waitFor(() => expect(document.documentElement.dataset.theme).toBeUndefined());
    expect(byId<HTMLSelectElement>('setting-ui-theme').value).toBe('system');
  });
});

describe('Settings: about', () => {
  it('shows the engine and reveals the data folder', async () => {
    const calls = mockSettings();
    await renderView();

    const about = screen.getByRole('region', { name: 'About' });
    await waitFor(() => expect(normalized(within(about).getByText(/Engine version/))).toBe('Engine version 0.4.2'));
    expect(within(about).getByText(status.home)).toBeTruthy();

    await fireEvent.click(byId('reveal-data-folder'));

    await waitFor(() =>
      expect(callsOf(calls, 'plugin:opener|reveal_item_in_dir')).toEqual([{ paths: [status.home] }]),
    );
  });

  it('says why the data folder cannot be revealed', async () => {
    mockSettings({
      'plugin:opener|reveal_item_in_dir': () => {
        throw 'no file manager';
      },
    });
    await renderView();
    await fireEvent.click(byId('reveal-data-folder'));
    await waitFor(() =>
      expect(toast.getActiveToasts().map((t) => t.title)).toContain('Could not open the data folder: no file manager'),
    );
  });
});

describe('Settings: the local API', () => {
  /** The engine's settings with the Local API group (src/settings.rs). */
  function withApi(): SettingValue[] {
    const list = settings();
    list.splice(
      list.findIndex((s) => s.group === 'App'),
      0,
      setting('api.enabled', 'Local API', { type: 'switch' }, 'false', {
        description: 'Serve the local HTTP API (OpenAI-compatible transcription, jobs, events)',
      }),
      setting('api.host', 'Local API', { type: 'choice', options: ['127.0.0.1', '::1', '0.0.0.0', '::'] }, '127.0.0.1'),
      setting('api.port', 'Local API', { type: 'count', min: 1, max: 65535 }, '8178'),
      setting('api.max_upload_mb', 'Local API', { type: 'count', min: 1, max: 1_048_576 }, '2048'),
    );
    return list;
  }

  it('lists its settings, then the server and its token', async () => {
    const list = withApi();
    const calls = mockSettings({
      settings_list: () => list,
      settings_set: storing(list),
      api_overview: () => ({
        info: {
          enabled: false,
          host: '127.0.0.1',
          port: 8178,
          url: 'http://127.0.0.1:8178',
          loopback_only: true,
          max_upload_bytes: 2048 * 1024 * 1024,
        },
        status: { state: 'off' },
      }),
      api_token: () => 'hsk_0123456789abcdef0123456789abcdef0123456789abcdef',
    });
    await renderView();

    const headings = screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent);
    expect(headings.indexOf('Local API')).toBe(headings.indexOf('App') - 1);
    const group = screen.getByRole('region', { name: 'Local API' });
    expect([...group.querySelectorAll('[data-key]')].map((e) => (e as HTMLElement).dataset.key)).toEqual([
      'api.enabled',
      'api.host',
      'api.port',
      'api.max_upload_mb',
    ]);
    expect(screen.getByLabelText('Serve the local API')).toBe(byId('setting-api-enabled'));
    expect([...byId<HTMLSelectElement>('setting-api-host').options].map((o) => o.textContent)).toEqual([
      '127.0.0.1 (this computer only)',
      '::1 (this computer only, IPv6)',
      '0.0.0.0 (the network too)',
      ':: (the network too, IPv6)',
    ]);

    // The card follows the rows, inside the group.
    const card = await waitFor(() => within(group).getByText((_, el) => el?.id === 'api-card'));
    expect(group.lastElementChild).toBe(card);
    await waitFor(() => expect(normalized(byId('api-status'))).toContain('Off'));
    await waitFor(() => expect(normalized(byId('api-token'))).toBe('hsk_••••••••cdef'));

    // Turning it on: the engine says the settings changed, and the card reads them again.
    await fireEvent.click(byId('setting-api-enabled'));
    await waitFor(() => expect(callsOf(calls, 'settings_set')).toEqual([{ key: 'api.enabled', value: 'true' }]));
    live.handle({ type: 'changed', what: 'settings' });
    await waitFor(() => expect(callsOf(calls, 'api_overview').length).toBeGreaterThanOrEqual(2));
  });

  it('has no card where the engine has no local API', async () => {
    const calls = mockSettings();
    await renderView();
    expect(document.getElementById('api-card')).toBeNull();
    expect(callsOf(calls, 'api_overview')).toHaveLength(0);
  });
});
