// A watched folder's options as the form edits them (text fields, seconds) and as the
// engine takes them (`FolderOptions`), and the one-line summaries the list shows.
import type { EndpointView, ExportFormat, FolderOptions, FolderState, FolderView } from '../../lib/bindings';

/** What the options form is for: watching a new folder, or a watched folder's options. */
export type FormTarget = { kind: 'add'; path: string } | { kind: 'edit'; folder: FolderView };

/** The engine's default include patterns (src/watch/options.rs `DEFAULT_INCLUDE`). */
export const DEFAULT_INCLUDE = [
  '*.wav',
  '*.mp3',
  '*.m4a',
  '*.aac',
  '*.flac',
  '*.ogg',
  '*.oga',
  '*.opus',
  '*.aif',
  '*.aiff',
  '*.caf',
  '*.mp4',
  '*.m4v',
  '*.mov',
  '*.mkv',
  '*.webm',
];

/** What a new folder starts with: the engine's defaults. */
export function defaultOptions(): FolderOptions {
  return {
    recursive: false,
    include: [...DEFAULT_INCLUDE],
    exclude: [],
    model: null,
    language: null,
    formats: [],
    output_dir: null,
    after: { action: 'leave' },
    metadata: null,
    poll: false,
    stable_ms: 2000,
    rerun_duplicates: false,
    webhooks: null,
  };
}

export const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: 'txt', label: 'Text (.txt)' },
  { format: 'srt', label: 'Subtitles (.srt)' },
  { format: 'vtt', label: 'Web subtitles (.vtt)' },
  { format: 'json', label: 'JSON with timings (.json)' },
];

/** The most metadata the engine takes, in bytes of compact JSON. */
export const MAX_METADATA_BYTES = 4096;

/** The form's fields, as the user edits them. */
export interface Draft {
  include: string;
  exclude: string;
  recursive: boolean;
  /** '' = the default model. */
  model: string;
  /** '' = the default language. */
  language: string;
  formats: ExportFormat[];
  outputDir: string;
  after: 'leave' | 'move';
  moveTo: string;
  metadata: string;
  /** Endpoint ids; none = every endpoint. */
  webhooks: number[];
  poll: boolean;
  /** Seconds, as typed (a number input gives a number, or null when empty). */
  stableSeconds: string | number | null;
  rerunDuplicates: boolean;
}

/** The fields that can carry an error in the form. */
export type DraftField =
  | 'path'
  | 'include'
  | 'exclude'
  | 'model'
  | 'language'
  | 'formats'
  | 'output_dir'
  | 'after'
  | 'metadata'
  | 'webhooks'
  | 'stable_ms';

export function toDraft(options: FolderOptions): Draft {
  return {
    include: options.include.join(', '),
    exclude: options.exclude.join(', '),
    recursive: options.recursive,
    model: options.model ?? '',
    language: options.language ?? '',
    formats: [...options.formats],
    outputDir: options.output_dir ?? '',
    after: options.after.action,
    moveTo: options.after.action === 'move' ? options.after.subfolder : '',
    metadata: options.metadata ? JSON.stringify(options.metadata, null, 2) : '',
    webhooks: [...(options.webhooks ?? [])],
    poll: options.poll,
    stableSeconds: String(options.stable_ms / 1000),
    rerunDuplicates: options.rerun_duplicates,
  };
}

/** "*.mp3, *.wav" → ["*.mp3", "*.wav"]. */
export function patterns(text: string): string[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

export type Parsed =
  | { ok: true; options: FolderOptions }
  | { ok: false; errors: Partial<Record<DraftField, string>> };

/**
 * The options the engine gets, or what is wrong with the draft where the window can tell
 * before asking (the JSON of the metadata, the seconds); the engine checks the rest.
 */
export function fromDraft(draft: Draft): Parsed {
  const errors: Partial<Record<DraftField, string>> = {};

  let metadata: Record<string, unknown> | null = null;
  const text = draft.metadata.trim();
  if (text) {
    try {
      const value: unknown = JSON.parse(text);
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        errors.metadata = 'Metadata must be a JSON object, like {"team": "sales"}.';
      } else {
        metadata = value as Record<string, unknown>;
        const size = new TextEncoder().encode(JSON.stringify(value)).length;
        if (size > MAX_METADATA_BYTES) {
          errors.metadata = `Metadata is ${size.toLocaleString()} bytes; at most ${MAX_METADATA_BYTES.toLocaleString()} are allowed.`;
        }
      }
    } catch (error) {
      errors.metadata = `Metadata is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  const typed = draft.stableSeconds == null ? '' : String(draft.stableSeconds).trim();
  const seconds = Number(typed.replace(',', '.'));
  if (!typed || !Number.isFinite(seconds) || seconds <= 0) {
    errors.stable_ms = 'Give a number of seconds, such as 2.';
  }

  const include = patterns(draft.include);
  if (include.length === 0) {
    errors.include = 'Give at least one pattern of files to take, such as *.mp3.';
  }

  const moveTo = draft.moveTo.trim();
  if (draft.after === 'move' && !moveTo) {
    errors.after = 'Name the subfolder to move recordings into, such as Done.';
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const outputDir = draft.outputDir.trim();
  return {
    ok: true,
    options: {
      recursive: draft.recursive,
      include,
      exclude: patterns(draft.exclude),
      model: draft.model || null,
      language: draft.language || null,
      formats: FORMATS.map((f) => f.format).filter((f) => draft.formats.includes(f)),
      output_dir: outputDir || null,
      after: draft.after === 'move' ? { action: 'move', subfolder: moveTo } : { action: 'leave' },
      metadata,
      poll: draft.poll,
      stable_ms: Math.round(seconds * 1000),
      rerun_duplicates: draft.rerunDuplicates,
      webhooks: draft.webhooks.length > 0 ? [...draft.webhooks] : null,
    },
  };
}

/** Whether `include` is the engine's default list (in any order). */
export function isDefaultInclude(include: string[]): boolean {
  return include.length === DEFAULT_INCLUDE.length && DEFAULT_INCLUDE.every((p) => include.includes(p));
}

/** "1 file", "2 files". */
export function files(n: number): string {
  return `${n} ${n === 1 ? 'file' : 'files'}`;
}

/** A sentence about a folder's state, where the badge alone does not say enough. */
export function stateExplanation(state: FolderState, paused: boolean, problem: string | null): string | null {
  switch (state) {
    case 'unavailable':
      return 'The folder is not there (an unmounted drive?); it is picked up again when it returns.';
    case 'invalid':
      return problem ?? 'Its options cannot be read: edit them and save again.';
    case 'paused':
      return paused ? null : 'Watching is paused for every folder.';
    case 'polling':
      return 'Scanned every few seconds (network share).';
    default:
      return null;
  }
}

/** Short phrases saying what a folder does with its recordings. */
export function summary(options: FolderOptions, endpoints: EndpointView[] | null): string[] {
  const lines: string[] = [];

  const takes = isDefaultInclude(options.include)
    ? 'Audio and video files'
    : options.include.join(', ');
  lines.push(
    `${takes}${options.recursive ? ', subfolders too' : ''}${
      options.exclude.length ? `; skips ${options.exclude.join(', ')}` : ''
    }`,
  );

  if (options.formats.length > 0) {
    const list = options.formats.map((f) => `.${f}`).join(', ');
    lines.push(
      options.output_dir
        ? `Writes ${list} into ${options.output_dir}/`
        : `Writes ${list} next to each recording`,
    );
  } else {
    lines.push('Writes no files (transcripts stay in History)');
  }

  if (options.after.action === 'move') lines.push(`Moves each recording into ${options.after.subfolder}/ when done`);

  const how = [
    options.model ? `Model ${options.model}` : '',
    options.language ? `language ${options.language === 'auto' ? 'detected' : options.language}` : '',
  ].filter(Boolean);
  if (how.length) lines.push(how.join(', ').replace(/^./, (c) => c.toUpperCase()));

  if (options.webhooks && options.webhooks.length > 0) {
    const urls = options.webhooks.map(
      (id) => endpoints?.find((e) => e.id === id)?.url ?? `endpoint #${id}`,
    );
    lines.push(`Notifies ${urls.join(', ')}`);
  } else {
    lines.push('Notifies every endpoint');
  }

  if (options.rerun_duplicates) lines.push('Transcribes repeated recordings again');
  return lines;
}
