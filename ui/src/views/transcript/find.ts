// Find in a transcript: each block of text split into plain parts and numbered matches.

export interface Part {
  text: string;
  /** The match's number over the whole transcript (0-based); null for plain text. */
  match: number | null;
}

/**
 * Splits each text into parts at the (case-insensitive) occurrences of `query`, numbering
 * the matches across all texts in order. An empty query gives each text as one plain part.
 */
export function findIn(texts: string[], query: string): { parts: Part[][]; count: number } {
  const needle = query.trim();
  let count = 0;
  if (!needle) return { parts: texts.map((text) => [{ text, match: null }]), count };
  const pattern = new RegExp(needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
  const parts = texts.map((text) => {
    const out: Part[] = [];
    let from = 0;
    for (const found of text.matchAll(pattern)) {
      const at = found.index ?? 0;
      if (at > from) out.push({ text: text.slice(from, at), match: null });
      out.push({ text: found[0], match: count++ });
      from = at + found[0].length;
    }
    if (from < text.length || out.length === 0) out.push({ text: text.slice(from), match: null });
    return out;
  });
  return { parts, count };
}

/** The segment playing at `time`: the last to start at or before it, until the next starts (or it ends, for the last). */
export function segmentAt(segments: { start: number; end: number }[], time: number | null): number | null {
  if (time == null) return null;
  let found = -1;
  for (let i = 0; i < segments.length && segments[i].start <= time; i++) found = i;
  if (found < 0) return null;
  const next = segments[found + 1];
  return time < segments[found].end || (next && time < next.start) ? found : null;
}
