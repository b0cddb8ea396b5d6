// The languages offered for what is dropped or chosen, and how models and languages read.
import type { ModelListing } from '../../lib/bindings';

/** Common Whisper language codes with their names (Whisper knows more; settings accept them). */
export const LANGUAGES: { code: string; name: string }[] = [
  { code: 'en', name: 'English' },
  { code: 'de', name: 'German' },
  { code: 'fr', name: 'French' },
  { code: 'es', name: 'Spanish' },
  { code: 'it', name: 'Italian' },
  { code: 'pt', name: 'Portuguese' },
  { code: 'nl', name: 'Dutch' },
  { code: 'pl', name: 'Polish' },
  { code: 'ru', name: 'Russian' },
  { code: 'uk', name: 'Ukrainian' },
  { code: 'ja', name: 'Japanese' },
  { code: 'zh', name: 'Chinese' },
  { code: 'ko', name: 'Korean' },
  { code: 'ar', name: 'Arabic' },
  { code: 'hi', name: 'Hindi' },
  { code: 'tr', name: 'Turkish' },
  { code: 'sv', name: 'Swedish' },
  { code: 'da', name: 'Danish' },
  { code: 'no', name: 'Norwegian' },
  { code: 'fi', name: 'Finnish' },
  { code: 'cs', name: 'Czech' },
];

/** "English" for `en`, "Auto-detect" for `auto`, else the code itself ("eu"). */
export function languageName(code: string | null | undefined): string {
  if (!code) return '';
  if (code === 'auto') return 'Auto-detect';
  return LANGUAGES.find((l) => l.code === code.toLowerCase())?.name ?? code;
}

/** Whether a model understands English only (`tiny.en`, `base.en-q5_1`). */
export function englishOnly(name: string, listing?: ModelListing | null): boolean {
  if (listing?.languages) return listing.languages === 'english';
  return /\.en($|[-_])/i.test(name);
}

/** Extensions of the recordings the file picker offers (the engine decodes these). */
export const RECORDING_EXTENSIONS = [
  'wav',
  'mp3',
  'm4a',
  'aac',
  'flac',
  'ogg',
  'oga',
  'opus',
  'aif',
  'aiff',
  'caf',
  'mp4',
  'm4v',
  'mov',
  'mkv',
  'webm',
];
