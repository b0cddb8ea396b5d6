// Folders and settings as the engine's commands give them, for the Folders view's tests.
import type { FolderView, SettingValue } from '../../lib/bindings';
import { defaultOptions } from './options';

/** A watched folder as `folders_list` gives it: watching, default options, unless told. */
export function folderView(id: number, fields: Partial<FolderView> = {}): FolderView {
  return {
    id,
    path: `/home/ada/Recordings/folder-${id}`,
    options: defaultOptions(),
    paused: false,
    state: 'watching',
    waiting: 0,
    problem: null,
    created_at: 1_700_000_000_000,
    ...fields,
  };
}

/** A setting as `settings_list` gives it. */
export function settingValue(key: string, value: string, fields: Partial<SettingValue> = {}): SettingValue {
  return {
    key,
    value,
    default: value,
    is_set: false,
    auto: null,
    description: '',
    group: 'General',
    kind: { type: 'switch' },
    ...fields,
  };
}

/** The settings the Folders view reads: whether every folder is paused, the default model and language. */
export function folderSettings(paused = false, model = 'base.en', language = 'auto'): SettingValue[] {
  return [
    settingValue('folders.paused', paused ? 'true' : 'false'),
    settingValue('model', model, { kind: { type: 'model' } }),
    settingValue('language', language, { kind: { type: 'language' } }),
  ];
}
