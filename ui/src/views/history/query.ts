// The History view's filters, as the engine's job and search queries take them.
import type { FolderView, JobQuery, JobStatus } from '../../lib/bindings';

/** Rows on a page: the engine's limit. */
export const PAGE_SIZE = 50;

export type DateChoice = 'any' | 'today' | '7d' | '30d';

export const STATUS_CHOICES: { value: JobStatus | ''; label: string }[] = [
  { value: '', label: 'All statuses' },
  { value: 'completed', label: 'Completed' },
  { value: 'failed', label: 'Failed' },
  { value: 'cancelled', label: 'Cancelled' },
  { value: 'running', label: 'Running' },
  { value: 'queued', label: 'Queued' },
];

export const DATE_CHOICES: { value: DateChoice; label: string }[] = [
  { value: 'any', label: 'Any time' },
  { value: 'today', label: 'Today' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
];

const DAY = 86_400_000;

/** The `since` (unix ms) a date choice stands for at `now`; undefined for any time. */
export function sinceFor(choice: DateChoice, now = Date.now()): number | undefined {
  switch (choice) {
    case 'today': {
      const midnight = new Date(now);
      midnight.setHours(0, 0, 0, 0);
      return midnight.getTime();
    }
    case '7d':
      return now - 7 * DAY;
    case '30d':
      return now - 30 * DAY;
    default:
      return undefined;
  }
}

export interface HistoryFilters {
  status: JobStatus | '';
  /** A folder id, or '' for every folder. */
  folder: string;
  date: DateChoice;
}

export const NO_FILTERS: HistoryFilters = { status: '', folder: '', date: 'any' };

export function hasFilters(filters: HistoryFilters): boolean {
  return filters.status !== '' || filters.folder !== '' || filters.date !== 'any';
}

/** The filters and the page as a query, leaving out what is not set. */
export function filterQuery(filters: HistoryFilters, offset: number, now = Date.now()): JobQuery {
  const query: JobQuery = { limit: PAGE_SIZE, offset };
  if (filters.status) query.status = filters.status;
  if (filters.folder) query.folder = Number(filters.folder);
  const since = sinceFor(filters.date, now);
  if (since !== undefined) query.since = since;
  return query;
}

/** The last part of a path ("Calls" for "/home/ada/Calls"). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]+/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/** A folder as the filter and the rows name it: its own name, with the parent if two share it. */
export function folderLabels(folders: FolderView[]): Map<number, string> {
  const counts = new Map<string, number>();
  for (const folder of folders) {
    const name = baseName(folder.path);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const labels = new Map<number, string>();
  for (const folder of folders) {
    const name = baseName(folder.path);
    if ((counts.get(name) ?? 0) > 1) {
      const parts = folder.path.split(/[\\/]+/).filter(Boolean);
      labels.set(folder.id, parts.slice(-2).join('/'));
    } else {
      labels.set(folder.id, name);
    }
  }
  return labels;
}
