import { describe, expect, it } from 'vitest';
import { findIn, segmentAt } from './find';
import { saveOptions, stem } from './export';

describe('findIn', () => {
  it('numbers matches across texts, ignoring case, keeping the text as written', () => {
    const { parts, count } = findIn(['Hello, hello!', 'no match', 'Othello'], 'hello');
    expect(count).toBe(3);
    expect(parts[0]).toEqual([
      { text: 'Hello', match: 0 },
      { text: ', ', match: null },
      { text: 'hello', match: 1 },
      { text: '!', match: null },
    ]);
    expect(parts[1]).toEqual([{ text: 'no match', match: null }]);
    expect(parts[2]).toEqual([
      { text: 'Ot', match: null },
      { text: 'hello', match: 2 },
    ]);
  });

  it('takes the query literally and ignores one of only spaces', () => {
    expect(findIn(['a (b) c.*'], '(b)').count).toBe(1);
    expect(findIn(['a (b) c.*'], '.*').count).toBe(1);
    expect(findIn(['text'], '   ')).toEqual({ parts: [[{ text: 'text', match: null }]], count: 0 });
  });
});

describe('segmentAt', () => {
  const segments = [
    { start: 0, end: 4 },
    { start: 4, end: 9 },
    { start: 12, end: 20 },
  ];

  it('finds the segment playing, keeps the last through a gap, none before playing or after the end', () => {
    expect(segmentAt(segments, null)).toBeNull();
    expect(segmentAt(segments, 0)).toBe(0);
    expect(segmentAt(segments, 4)).toBe(1);
    expect(segmentAt(segments, 10)).toBe(1);
    expect(segmentAt(segments, 19.9)).toBe(2);
    expect(segmentAt(segments, 20)).toBeNull();
    expect(segmentAt([{ start: 2, end: 3 }], 1)).toBeNull();
  });
});

describe('export names', () => {
  it('offers the recording’s name with the format’s extension', () => {
    expect(stem('call.m4a')).toBe('call');
    expect(stem('notes.v2.wav')).toBe('notes.v2');
    expect(stem('.hidden')).toBe('.hidden');
    expect(saveOptions('call.m4a', 'vtt')).toEqual({
      defaultPath: 'call.vtt',
      filters: [{ name: 'WebVTT subtitles', extensions: ['vtt'] }],
    });
  });
});
