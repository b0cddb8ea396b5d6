import { describe, expect, it } from 'vitest';
import { endpointView } from '../../lib/test-fixtures';
import { defaultOptions, fromDraft, patterns, stateExplanation, summary, toDraft } from './options';

describe('folder options in the form', () => {
  it('gives back the same options it was given', () => {
    const options = {
      ...defaultOptions(),
      include: ['*.mp3'],
      exclude: ['*.tmp', 'draft-*'],
      formats: ['srt' as const, 'txt' as const],
      after: { action: 'move' as const, subfolder: 'Done' },
      metadata: { team: 'sales', n: 2 },
      webhooks: [3, 1],
      stable_ms: 1500,
    };
    const parsed = fromDraft(toDraft(options));
    // Formats come back in the form's order.
    expect(parsed).toEqual({ ok: true, options: { ...options, formats: ['txt', 'srt'] } });
  });

  it('reads patterns separated by commas, ignoring blanks', () => {
    expect(patterns(' *.mp3 ,, *.wav ,')).toEqual(['*.mp3', '*.wav']);
  });

  it('takes seconds with a decimal comma, and a number from a number input', () => {
    const draft = toDraft(defaultOptions());
    expect(fromDraft({ ...draft, stableSeconds: '2,5' })).toMatchObject({ ok: true, options: { stable_ms: 2500 } });
    expect(fromDraft({ ...draft, stableSeconds: 0.25 })).toMatchObject({ ok: true, options: { stable_ms: 250 } });
    expect(fromDraft({ ...draft, stableSeconds: null })).toMatchObject({ ok: false, errors: { stable_ms: expect.any(String) } });
    expect(fromDraft({ ...draft, stableSeconds: '-1' })).toMatchObject({ ok: false });
  });

  it('names each field that is wrong before asking the engine', () => {
    const draft = { ...toDraft(defaultOptions()), include: ' , ', after: 'move' as const, moveTo: ' ', metadata: 'null' };
    const parsed = fromDraft(draft);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.errors).sort()).toEqual(['after', 'include', 'metadata']);
  });

  it('sends no endpoints (every endpoint) when none is checked, and empty texts as unset', () => {
    const parsed = fromDraft({ ...toDraft(defaultOptions()), webhooks: [], outputDir: '  ', metadata: '  ' });
    expect(parsed).toMatchObject({ ok: true, options: { webhooks: null, output_dir: null, metadata: null } });
  });
});

describe('folder summary', () => {
  it('says what the folder takes, writes, moves and notifies', () => {
    const lines = summary(
      {
        ...defaultOptions(),
        recursive: true,
        exclude: ['*.tmp'],
        formats: ['txt'],
        language: 'auto',
        webhooks: [1, 9],
        rerun_duplicates: true,
      },
      [endpointView(1, { url: 'https://a.example/hook' })],
    );
    expect(lines).toEqual([
      'Audio and video files, subfolders too; skips *.tmp',
      'Writes .txt next to each recording',
      'Language detected',
      'Notifies https://a.example/hook, endpoint #9',
      'Transcribes repeated recordings again',
    ]);
  });

  it('explains the states a badge does not', () => {
    expect(stateExplanation('watching', false, null)).toBeNull();
    expect(stateExplanation('paused', true, null)).toBeNull();
    expect(stateExplanation('paused', false, null)).toBe('Watching is paused for every folder.');
    expect(stateExplanation('invalid', false, 'bad options')).toBe('bad options');
  });
});
