// How the Models view reads and orders the engine's model listing.
import type { Languages, ModelListing } from '../../lib/bindings';
import type { Download } from '../../lib/live.svelte';
import { bytes } from '../../lib/format';

/** A quantized variant (`base-q5_1`, `large-v3-turbo-q8_0`): smaller, a little less accurate. */
export function isQuantized(name: string): boolean {
  return /-q\d/.test(name);
}

/** "75 MB", "1.5 GB": the listing's size (MiB), as people read sizes. */
export function sizeText(sizeMib: number): string {
  return sizeMib < 1000 ? `${sizeMib} MB` : `${(sizeMib / 1024).toFixed(1)} GB`;
}

export function languagesText(languages: Languages | null): string {
  if (languages === 'english') return 'English only';
  if (languages === 'multilingual') return 'Multilingual';
  return 'Unknown';
}

/** What is imported: a ggml file, or a faster-whisper (CTranslate2) model folder. */
export interface ImportTarget {
  kind: 'file' | 'folder';
  path: string;
}

export type ModelStatus = 'default' | 'imported' | 'installed' | 'not_installed';

/** What the Status column says of a model. */
export function statusOf(model: ModelListing): ModelStatus {
  if (!model.installed) return 'not_installed';
  if (model.default) return 'default';
  return model.in_catalog ? 'installed' : 'imported';
}

export const STATUS_LABELS: Record<ModelStatus, string> = {
  default: 'Default',
  imported: 'Imported',
  installed: 'Installed',
  not_installed: 'Not installed',
};

/**
 * The installed models (the default first), then the catalog's others in its order (small
 * to large); quantized variants of the catalog only when asked for or `keep` says so (a
 * download running or just failed).
 */
export function grouped(
  models: ModelListing[],
  showQuantized: boolean,
  keep: (name: string) => boolean = () => false,
): { installed: ModelListing[]; available: ModelListing[]; quantized: number } {
  const installed = models
    .filter((m) => m.installed)
    .sort((a, b) => Number(b.default) - Number(a.default));
  const notInstalled = models.filter((m) => !m.installed);
  const available = notInstalled.filter(
    (m) => showQuantized || !isQuantized(m.name) || m.default || keep(m.name),
  );
  return { installed, available, quantized: notInstalled.filter((m) => isQuantized(m.name)).length };
}

/** Bytes so far, with a decimal so that progress shows: "12.3 MB", "1.23 GB". */
function sofar(n: number): string {
  return n < 1e9 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e9).toFixed(2)} GB`;
}

/** "12.3 MB of 75 MB", "12.3 MB" while the size is not known; and the percent, or null. */
export function downloadProgress(download: Download | undefined): { text: string; percent: number | null } {
  if (!download || download.state !== 'running') return { text: 'Starting…', percent: null };
  const { downloaded, total } = download;
  if (total && total > 0) {
    const percent = Math.min(100, (downloaded / total) * 100);
    return { text: `${sofar(downloaded)} of ${bytes(total)}`, percent };
  }
  return { text: sofar(downloaded), percent: null };
}
