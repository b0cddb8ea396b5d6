// The export formats, and where an export is offered to be saved.
import type { ExportFormat } from '../../lib/bindings';

export const FORMATS: { id: ExportFormat; label: string; filter: string }[] = [
  { id: 'txt', label: 'Plain text', filter: 'Text' },
  { id: 'srt', label: 'Subtitles (SubRip)', filter: 'SubRip subtitles' },
  { id: 'vtt', label: 'Subtitles (WebVTT)', filter: 'WebVTT subtitles' },
  { id: 'json', label: 'JSON with timings', filter: 'JSON' },
];

/** The file name without its extension: "call" for "call.m4a", "notes.v2" for "notes.v2.wav". */
export function stem(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}

/** The save dialog's options for exporting `fileName` as `format`. */
export function saveOptions(fileName: string, format: ExportFormat) {
  const filter = FORMATS.find((f) => f.id === format)?.filter ?? format;
  return {
    defaultPath: `${stem(fileName)}.${format}`,
    filters: [{ name: filter, extensions: [format] }],
  };
}
