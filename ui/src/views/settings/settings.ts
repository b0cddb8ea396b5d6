// How the Settings view names, groups and explains the engine's settings.
import type { SettingValue } from '../../lib/bindings';

/** The group of the local HTTP API's settings; its card (server state, token) goes with it. */
export const API_GROUP = 'Local API';

/** Groups in the order the view shows them; others follow, in the engine's order. */
export const GROUP_ORDER = ['Transcription', 'Queue', 'Models', 'Webhooks', 'Folders', API_GROUP, 'App'];

/** Labels for the settings the engine knows today; others get their key in words. */
const LABELS: Record<string, string> = {
  model: 'Default model',
  language: 'Language',
  threads: 'CPU threads',
  beam_size: 'Beam size',
  vad: 'Skip pauses',
  concurrency: 'Transcriptions at once',
  'queue.worker_timeout': 'Stop a silent transcription after',
  'models.base_url': 'Download models from',
  'webhooks.retry_schedule': 'Retry schedule',
  'webhooks.disable_after': 'Disable a failing endpoint after',
  'webhooks.retention': 'Keep delivered webhooks for',
  'webhooks.failed_retention': 'Keep failed and held webhooks for',
  'folders.paused': 'Pause all folders',
  'api.enabled': 'Serve the local API',
  'api.host': 'Listen on',
  'api.port': 'Port',
  'api.max_upload_mb': 'Largest upload (MB)',
  'ui.theme': 'Theme',
  'app.close_to_tray': 'Close to tray',
  'app.notifications': 'Notifications',
  'app.start_at_login': 'Start at login',
};

/** Words for choices the engine gives as keywords. */
const CHOICE_LABELS: Record<string, string> = {
  system: 'System',
  light: 'Light',
  dark: 'Dark',
  // api.host
  '127.0.0.1': '127.0.0.1 (this computer only)',
  '::1': '::1 (this computer only, IPv6)',
  '0.0.0.0': '0.0.0.0 (the network too)',
  '::': ':: (the network too, IPv6)',
};

/** Common Whisper languages (the engine accepts every code Whisper knows). */
export const LANGUAGES: [string, string][] = [
  ['auto', 'Detect automatically'],
  ['en', 'English'],
  ['de', 'German'],
  ['fr', 'French'],
  ['es', 'Spanish'],
  ['it', 'Italian'],
  ['pt', 'Portuguese'],
  ['nl', 'Dutch'],
  ['pl', 'Polish'],
  ['sv', 'Swedish'],
  ['da', 'Danish'],
  ['no', 'Norwegian'],
  ['fi', 'Finnish'],
  ['cs', 'Czech'],
  ['ro', 'Romanian'],
  ['hu', 'Hungarian'],
  ['el', 'Greek'],
  ['tr', 'Turkish'],
  ['ru', 'Russian'],
  ['uk', 'Ukrainian'],
  ['ar', 'Arabic'],
  ['he', 'Hebrew'],
  ['hi', 'Hindi'],
  ['ja', 'Japanese'],
  ['ko', 'Korean'],
  ['zh', 'Chinese'],
  ['id', 'Indonesian'],
  ['vi', 'Vietnamese'],
  ['th', 'Thai'],
];

/** `setting-webhooks-retry_schedule`: the control's id, for labels and end-to-end tests. */
export function controlId(key: string): string {
  return `setting-${key.replaceAll('.', '-')}`;
}

export function label(key: string): string {
  if (LABELS[key]) return LABELS[key];
  const words = key.replaceAll(/[._]/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function choiceLabel(option: string): string {
  return CHOICE_LABELS[option] ?? option.charAt(0).toUpperCase() + option.slice(1);
}

/** The description, in plain text, with what the control accepts. */
export function hint(setting: SettingValue): string {
  const text = setting.description.replaceAll('`', '');
  const sentence = /[.!?]$/.test(text) ? text : `${text}.`;
  switch (setting.kind.type) {
    case 'duration':
      return `${sentence} For example 30s, 5m, 2h or 5days.`;
    case 'duration_list':
      return `${sentence} Comma-separated, for example 5s,5m,30m,2h; empty: no retries.`;
    case 'count':
      return `${sentence} From ${setting.kind.min} to ${setting.kind.max}.`;
    case 'count_or_auto':
      return `${sentence} Auto, or 1 to ${setting.kind.max}.`;
    case 'url':
      return `${sentence} An http:// or https:// URL.`;
    default:
      return sentence;
  }
}

/** Settings by group, groups in {@link GROUP_ORDER}. */
export function grouped(settings: SettingValue[]): { group: string; settings: SettingValue[] }[] {
  const groups = new Map<string, SettingValue[]>();
  for (const name of GROUP_ORDER) groups.set(name, []);
  for (const setting of settings) {
    const list = groups.get(setting.group) ?? [];
    list.push(setting);
    groups.set(setting.group, list);
  }
  return [...groups].filter(([, list]) => list.length > 0).map(([group, list]) => ({ group, settings: list }));
}
