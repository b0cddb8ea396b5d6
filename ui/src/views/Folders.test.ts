import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configure, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { toast } from 'svelte-sonner';
import type { FolderOptions, FolderView } from '../lib/bindings';
import { live } from '../lib/live.svelte';
import { router } from '../lib/router.svelte';
import { endpointView } from '../lib/test-fixtures';
import { deferred, engineError, mockCommands, settle, type Call, type Handler } from '../lib/test-ipc';
import Folders from './Folders.svelte';
import { DEFAULT_INCLUDE, defaultOptions } from './folders/options';
import { folderSettings, folderView } from './folders/test-fixtures';
import { modelListing } from './models/test-fixtures';

/** The commands the view (and its form) call, answered with a folder list unless told. */
function mockFolders(folders: FolderView[] | Handler, handlers: Record<string, Handler> = {}): Call[] {
  return mockCommands({
    folders_list: typeof folders === 'function' ? folders : () => folders,
    settings_list: () => folderSettings(),
    endpoints_list: () => [
      endpointView(1, { url: 'https://crm.example.com/hook' }),
      endpointView(2, { url: 'https://chat.example.com/in' }),
    ],
    models_list: () => [
      modelListing('tiny.en', { installed: true }),
      modelListing('base.en', { installed: true, default: true }),
      modelListing('small'),
    ],
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

// The machine running the tests may be busy: give the window time to answer.
configure({ asyncUtilTimeout: 4000 });

beforeEach(() => {
  vi.spyOn(toast, 'success');
  vi.spyOn(toast, 'error');
});

afterEach(() => {
  clearMocks();
});

describe('Folders: states', () => {
  it('says Loading… until the list comes', async () => {
    const list = deferred<FolderView[]>();
    mockFolders(() => list.promise);
    render(Folders);
    expect(screen.getByRole('heading', { level: 1, name: 'Folders' })).toBeTruthy();
    expect(await screen.findByText('Loading…')).toBeTruthy();
    list.resolve([folderView(1)]);
    await shown('folder-1');
    expect(screen.queryByText('Loading…')).toBeNull();
  });

  it('says what to do when no folder is watched, with Add folder', async () => {
    mockFolders([]);
    render(Folders);
    expect(await screen.findByText('No watched folders yet')).toBeTruthy();
    expect(
      screen.getByText(
        'Add a folder: every recording that lands in it is transcribed, even while the window is closed.',
      ),
    ).toBeTruthy();
    expect(byId('add-folder-empty').textContent).toContain('Add folder…');
  });

  it('shows the error in plain words, and Retry loads again', async () => {
    let fail = true;
    const calls = mockFolders(() => {
      if (fail) throw engineError('the database is locked', 'unavailable');
      return [folderView(1)];
    });
    render(Folders);
    expect(await screen.findByText('The watched folders could not be loaded')).toBeTruthy();
    expect(screen.getByText('the database is locked')).toBeTruthy();
    fail = false;
    await fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await shown('folder-1');
    expect(called(calls, 'folders_list')).toHaveLength(2);
  });

  it('shows each folder: path, state, files arriving and what it does', async () => {
    const options: FolderOptions = {
      ...defaultOptions(),
      formats: ['txt', 'srt'],
      output_dir: 'Transcripts',
      after: { action: 'move', subfolder: 'Done' },
      model: 'small',
      language: 'de',
      webhooks: [2],
    };
    mockFolders([
      folderView(1, { path: '/home/ada/Calls', state: 'watching', waiting: 2, options }),
      folderView(2, { path: '/media/usb/Voice', state: 'unavailable' }),
      folderView(3, { path: '/home/ada/Broken', state: 'invalid', problem: 'its options cannot be read (missing include)' }),
    ]);
    render(Folders);

    const first = await shown('folder-1');
    expect(within(first).getByText('/home/ada/Calls')).toBeTruthy();
    expect(within(first).getByText('Watching')).toBeTruthy();
    expect(within(first).getByText('2 files arriving')).toBeTruthy();
    expect(within(first).getByText('Writes .txt, .srt into Transcripts/')).toBeTruthy();
    expect(within(first).getByText('Moves each recording into Done/ when done')).toBeTruthy();
    expect(within(first).getByText('Model small, language de')).toBeTruthy();
    await waitFor(() => expect(within(first).getByText('Notifies https://chat.example.com/in')).toBeTruthy());

    const second = byId('folder-2');
    expect(within(second).getByText('Unavailable')).toBeTruthy();
    expect(
      within(second).getByText(
        'The folder is not there (an unmounted drive?); it is picked up again when it returns.',
      ),
    ).toBeTruthy();
    expect(within(second).getByText('Notifies every endpoint')).toBeTruthy();
    expect(within(second).getByText('Writes no files (transcripts stay in History)')).toBeTruthy();

    const third = byId('folder-3');
    expect(within(third).getByText('Invalid')).toBeTruthy();
    expect(within(third).getByText('its options cannot be read (missing include)')).toBeTruthy();
  });

  it('pages at 50 folders', async () => {
    mockFolders(Array.from({ length: 60 }, (_, i) => folderView(i + 1)));
    render(Folders);
    await shown('folder-1');
    expect(document.querySelectorAll('#folders-list > li')).toHaveLength(50);
    expect(screen.getByText('Showing 1–50 of 60')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await shown('folder-51');
    expect(document.querySelectorAll('#folders-list > li')).toHaveLength(10);
    expect(document.getElementById('folder-1')).toBeNull();
    expect(screen.getByText('Showing 51–60 of 60')).toBeTruthy();
  }, 20_000);

  it('loads again, once for a burst, when the engine says a folder changed state', async () => {
    let state: FolderView['state'] = 'watching';
    const calls = mockFolders(() => [folderView(1, { path: '/media/usb/Voice', state })]);
    render(Folders);
    const row = await shown('folder-1');
    expect(within(row).getByText('Watching')).toBeTruthy();

    state = 'unavailable';
    live.handle({ type: 'folder_status', folder: 1, state: 'unavailable', waiting: 0 });
    live.handle({ type: 'folder_status', folder: 1, state: 'unavailable', waiting: 0 });
    live.handle({ type: 'changed', what: 'folders' });
    await waitFor(() => expect(within(byId('folder-1')).getByText('Unavailable')).toBeTruthy());
    await settle();
    expect(called(calls, 'folders_list').length).toBeLessThanOrEqual(3);
  });
});

describe('Folders: adding one', () => {
  it('asks for a folder, shows the options with the defaults, and watches it with what was chosen', async () => {
    let folders: FolderView[] = [];
    const calls = mockFolders(() => folders, {
      'plugin:dialog|open': () => '/home/ada/Calls',
      folders_add: (args) => {
        const request = args.request as { path: string; options: FolderOptions };
        folders = [folderView(7, { path: request.path, options: request.options })];
        return folders[0];
      },
    });
    render(Folders);
    await screen.findByText('No watched folders yet');

    await fireEvent.click(byId('add-folder'));
    const form = await shown('folder-form');
    const pick = called(calls, 'plugin:dialog|open')[0];
    expect((pick.args.options as { directory: boolean }).directory).toBe(true);

    // Prefilled with the defaults.
    expect(byId('folder-path').textContent).toContain('/home/ada/Calls');
    expect(byId<HTMLInputElement>('folder-include').value).toBe(DEFAULT_INCLUDE.join(', '));
    expect(byId<HTMLInputElement>('folder-stable').value).toBe('2');
    expect(byId<HTMLInputElement>('folder-after-leave').checked).toBe(true);
    await waitFor(() => expect(byId('folder-webhook-2')).toBeTruthy());
    expect(within(form).getByText('None checked: every endpoint is notified.')).toBeTruthy();
    await waitFor(() => expect(within(byId('folder-model')).getByText('tiny.en')).toBeTruthy());
    expect(within(byId('folder-model')).getByText('Default (base.en)')).toBeTruthy();

    // Adjusted.
    await fireEvent.input(byId('folder-include'), { target: { value: '*.mp3, *.wav' } });
    await fireEvent.input(byId('folder-exclude'), { target: { value: 'draft-*' } });
    await fireEvent.click(byId('folder-recursive'));
    await fireEvent.change(byId('folder-model'), { target: { value: 'tiny.en' } });
    await fireEvent.change(byId('folder-language'), { target: { value: 'de' } });
    await fireEvent.click(byId('folder-format-srt'));
    await fireEvent.click(byId('folder-format-txt'));
    await fireEvent.input(byId('folder-output-dir'), { target: { value: 'Transcripts' } });
    await fireEvent.click(byId('folder-after-move'));
    await fireEvent.input(await shown('folder-move-to'), { target: { value: 'Done' } });
    await fireEvent.input(byId('folder-metadata'), { target: { value: '{"team": "sales"}' } });
    await fireEvent.click(byId('folder-webhook-2'));
    await fireEvent.click(byId('folder-poll'));
    await fireEvent.input(byId('folder-stable'), { target: { value: '5' } });
    await fireEvent.click(byId('folder-rerun'));
    await fireEvent.click(byId('folder-save'));

    await waitFor(() => expect(called(calls, 'folders_add')).toHaveLength(1));
    expect(called(calls, 'folders_add')[0].args).toEqual({
      request: {
        path: '/home/ada/Calls',
        options: {
          recursive: true,
          include: ['*.mp3', '*.wav'],
          exclude: ['draft-*'],
          model: 'tiny.en',
          language: 'de',
          formats: ['txt', 'srt'],
          output_dir: 'Transcripts',
          after: { action: 'move', subfolder: 'Done' },
          metadata: { team: 'sales' },
          poll: true,
          stable_ms: 5000,
          rerun_duplicates: true,
          webhooks: [2],
        },
      },
    });
    await waitFor(() => expect(document.getElementById('folder-form')).toBeNull());
    await shown('folder-7');
    expect(toast.success).toHaveBeenCalledWith('Watching /home/ada/Calls');
  });

  it('watches with the defaults as they are when saved straight away', async () => {
    const calls = mockFolders([], {
      'plugin:dialog|open': () => '/srv/share/in',
      folders_add: () => folderView(1, { path: '/srv/share/in' }),
    });
    render(Folders);
    await screen.findByText('No watched folders yet');
    await fireEvent.click(byId('add-folder-empty'));
    await shown('folder-form');
    await waitFor(() => expect(document.activeElement).toBe(byId('folder-include')));
    await fireEvent.click(byId('folder-save'));
    await waitFor(() => expect(called(calls, 'folders_add')).toHaveLength(1));
    expect(called(calls, 'folders_add')[0].args).toEqual({
      request: { path: '/srv/share/in', options: defaultOptions() },
    });
  });

  it('closes the options with Esc without watching', async () => {
    const calls = mockFolders([], { 'plugin:dialog|open': () => '/home/ada/Calls' });
    render(Folders);
    await screen.findByText('No watched folders yet');
    await fireEvent.click(byId('add-folder'));
    await shown('folder-form');
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    await waitFor(() => expect(document.getElementById('folder-form')).toBeNull());
    expect(called(calls, 'folders_add')).toHaveLength(0);
  });

  it('does nothing when the picker is cancelled', async () => {
    const calls = mockFolders([], { 'plugin:dialog|open': () => null });
    render(Folders);
    await screen.findByText('No watched folders yet');
    await fireEvent.click(byId('add-folder'));
    await settle();
    expect(called(calls, 'plugin:dialog|open')).toHaveLength(1);
    expect(document.getElementById('folder-form')).toBeNull();
  });

  it("shows the engine's errors at the field they are about", async () => {
    const errors = [
      engineError("the output folder '/abs' must be a folder name inside the watched folder", 'invalid_input', 'output_dir'),
      engineError('a file must hold still between 100 ms and 1 hour (got 7200000 ms)', 'invalid_input', 'stable_ms'),
      { kind: 'not_found', message: 'no endpoint with id 2', subject: { type: 'endpoint', id: 2 } },
      { kind: 'conflict', message: '/home/ada/Calls is already watched', subject: { type: 'path', id: '/home/ada/Calls' } },
    ];
    const calls = mockFolders([], {
      'plugin:dialog|open': () => '/home/ada/Calls',
      folders_add: () => {
        throw errors.shift();
      },
    });
    render(Folders);
    await screen.findByText('No watched folders yet');
    await fireEvent.click(byId('add-folder'));
    await shown('folder-form');

    await fireEvent.click(byId('folder-save'));
    const outputError = await shown('folder-output-dir-error');
    expect(outputError.textContent).toBe("the output folder '/abs' must be a folder name inside the watched folder");
    expect(byId('folder-output-dir').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(byId('folder-output-dir'));

    await fireEvent.click(byId('folder-save'));
    expect((await shown('folder-stable-error')).textContent).toContain('between 100 ms and 1 hour');
    expect(document.getElementById('folder-output-dir-error')).toBeNull();

    await fireEvent.click(byId('folder-save'));
    expect((await shown('folder-webhooks-error')).textContent).toBe('no endpoint with id 2');

    await fireEvent.click(byId('folder-save'));
    expect((await shown('folder-path-error')).textContent).toBe('/home/ada/Calls is already watched');

    expect(called(calls, 'folders_add')).toHaveLength(4);
    expect(byId('folder-form')).toBeTruthy(); // still open, to fix
  });

  it('checks the metadata is a JSON object before asking the engine', async () => {
    const calls = mockFolders([], { 'plugin:dialog|open': () => '/home/ada/Calls' });
    render(Folders);
    await screen.findByText('No watched folders yet');
    await fireEvent.click(byId('add-folder'));
    await shown('folder-form');

    await fireEvent.input(byId('folder-metadata'), { target: { value: '{team: sales}' } });
    await fireEvent.click(byId('folder-save'));
    expect((await shown('folder-metadata-error')).textContent).toContain('Metadata is not valid JSON');

    await fireEvent.input(byId('folder-metadata'), { target: { value: '["a"]' } });
    await fireEvent.click(byId('folder-save'));
    await waitFor(() =>
      expect(byId('folder-metadata-error').textContent).toBe('Metadata must be a JSON object, like {"team": "sales"}.'),
    );

    await fireEvent.input(byId('folder-metadata'), { target: { value: JSON.stringify({ notes: 'x'.repeat(5000) }) } });
    await fireEvent.click(byId('folder-save'));
    await waitFor(() => expect(byId('folder-metadata-error').textContent).toContain('at most 4,096 are allowed'));
    expect(called(calls, 'folders_add')).toHaveLength(0);
  });
});

describe('Folders: actions on a folder', () => {
  it("edits a folder's options, prefilled with its own", async () => {
    const options: FolderOptions = {
      ...defaultOptions(),
      include: ['*.m4a'],
      formats: ['vtt'],
      language: 'fr',
      metadata: { team: 'support' },
      webhooks: [1],
      stable_ms: 1500,
    };
    const calls = mockFolders([folderView(3, { path: '/home/ada/Calls', options })], {
      folders_update: (args) => folderView(3, { path: '/home/ada/Calls', options: args.options as FolderOptions }),
    });
    render(Folders);
    await shown('folder-3');
    await fireEvent.click(byId('edit-folder-3'));
    await shown('folder-form');

    expect(byId<HTMLInputElement>('folder-include').value).toBe('*.m4a');
    expect(byId<HTMLInputElement>('folder-format-vtt').checked).toBe(true);
    expect(byId<HTMLSelectElement>('folder-language').value).toBe('fr');
    expect(byId<HTMLInputElement>('folder-stable').value).toBe('1.5');
    expect(JSON.parse(byId<HTMLTextAreaElement>('folder-metadata').value)).toEqual({ team: 'support' });
    await waitFor(() => expect(byId<HTMLInputElement>('folder-webhook-1').checked).toBe(true));

    await fireEvent.click(byId('folder-webhook-1')); // none checked: every endpoint
    await fireEvent.input(byId('folder-metadata'), { target: { value: '' } });
    await fireEvent.click(byId('folder-save'));

    await waitFor(() => expect(called(calls, 'folders_update')).toHaveLength(1));
    expect(called(calls, 'folders_update')[0].args).toEqual({
      id: 3,
      options: { ...options, metadata: null, webhooks: null },
    });
    expect(called(calls, 'folders_add')).toHaveLength(0);
    await waitFor(() => expect(toast.success).toHaveBeenCalledWith('Options saved for /home/ada/Calls'));
  });

  it('pauses and resumes one folder', async () => {
    let paused = false;
    const calls = mockFolders(() => [folderView(1, { paused, state: paused ? 'paused' : 'watching' })], {
      folders_set_paused: (args) => {
        paused = args.paused as boolean;
        return folderView(1, { paused, state: paused ? 'paused' : 'watching' });
      },
    });
    render(Folders);
    const row = await shown('folder-1');
    expect(byId('pause-folder-1').textContent).toContain('Pause');

    await fireEvent.click(byId('pause-folder-1'));
    await waitFor(() => expect(byId('pause-folder-1').textContent).toContain('Resume'));
    expect(within(row).getByText('Paused')).toBeTruthy();
    expect(called(calls, 'folders_set_paused')[0].args).toEqual({ id: 1, paused: true });

    await fireEvent.click(byId('pause-folder-1'));
    await waitFor(() => expect(byId('pause-folder-1').textContent).toContain('Pause'));
    expect(within(byId('folder-1')).getByText('Watching')).toBeTruthy();
    expect(called(calls, 'folders_set_paused')[1].args).toEqual({ id: 1, paused: false });
  });

  it('says at the folder when pausing fails', async () => {
    mockFolders([folderView(1)], {
      folders_set_paused: () => {
        throw engineError('the database is locked', 'unavailable');
      },
    });
    render(Folders);
    const row = await shown('folder-1');
    await fireEvent.click(byId('pause-folder-1'));
    expect(await within(row).findByText('Could not pause it: the database is locked')).toBeTruthy();
  });

  it('pauses and resumes watching of every folder', async () => {
    let paused = false;
    const calls = mockFolders(
      () => [folderView(1, { state: paused ? 'paused' : 'watching' })],
      {
        settings_list: () => folderSettings(paused),
        folders_pause_all: (args) => {
          paused = args.paused as boolean;
          return paused;
        },
      },
    );
    render(Folders);
    const toggle = await shown('pause-all');
    expect(toggle.textContent).toContain('Pause all watching');

    await fireEvent.click(toggle);
    await waitFor(() => expect(byId('pause-all').textContent).toContain('Resume watching'));
    expect(called(calls, 'folders_pause_all')[0].args).toEqual({ paused: true });
    expect(byId('folders-paused').textContent).toContain('Watching is paused for every folder');
    await waitFor(() => expect(within(byId('folder-1')).getByText('Paused')).toBeTruthy());

    await fireEvent.click(byId('pause-all'));
    await waitFor(() => expect(byId('pause-all').textContent).toContain('Pause all watching'));
    expect(called(calls, 'folders_pause_all')[1].args).toEqual({ paused: false });
    expect(document.getElementById('folders-paused')).toBeNull();
  });

  it('reads whether watching is paused from the folders.paused setting', async () => {
    mockFolders([folderView(1, { state: 'paused' })], { settings_list: () => folderSettings(true) });
    render(Folders);
    expect((await shown('pause-all')).textContent).toContain('Resume watching');
    expect(within(byId('folder-1')).getByText('Watching is paused for every folder.')).toBeTruthy();
  });

  it('asks before removing a folder, naming it, then stops watching it', async () => {
    let folders = [folderView(1, { path: '/home/ada/Calls' }), folderView(2)];
    const calls = mockFolders(() => folders, {
      folders_remove: (args) => {
        const gone = folders.find((f) => f.id === args.id)!;
        folders = folders.filter((f) => f.id !== args.id);
        return gone;
      },
    });
    render(Folders);
    await shown('folder-1');
    await fireEvent.click(byId('remove-folder-1'));

    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByText('Stop watching /home/ada/Calls? Its transcripts stay in History.')).toBeTruthy();
    expect(called(calls, 'folders_remove')).toHaveLength(0);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Stop watching' }));

    await waitFor(() => expect(document.getElementById('folder-1')).toBeNull());
    expect(called(calls, 'folders_remove')[0].args).toEqual({ id: 1 });
    expect(byId('folder-2')).toBeTruthy();
    expect(toast.success).toHaveBeenCalledWith('Stopped watching /home/ada/Calls');
  });

  it('keeps the folder when the removal is cancelled', async () => {
    const calls = mockFolders([folderView(1, { path: '/home/ada/Calls' })]);
    render(Folders);
    await shown('folder-1');
    await fireEvent.click(byId('remove-folder-1'));
    const dialog = await screen.findByRole('alertdialog');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(called(calls, 'folders_remove')).toHaveLength(0);
    expect(byId('folder-1')).toBeTruthy();
  });

  it("opens History for a folder's transcripts", async () => {
    mockFolders([folderView(1)]);
    const go = vi.spyOn(router, 'go');
    render(Folders);
    await shown('folder-1');
    await fireEvent.click(byId('transcripts-folder-1'));
    expect(go).toHaveBeenCalledWith({ view: 'history' });
  });
});
