import { describe, expect, it } from 'vitest';
import { downloadProgress, grouped, isQuantized, sizeText, statusOf } from './models';
import { modelListing } from './test-fixtures';

describe('models', () => {
  it('tells quantized variants by their name', () => {
    expect(isQuantized('base-q5_1')).toBe(true);
    expect(isQuantized('large-v3-turbo-q8_0')).toBe(true);
    expect(isQuantized('tiny.en')).toBe(false);
    expect(isQuantized('my-quiet-model')).toBe(false);
  });

  it('gives sizes in MB, and GB from 1000 MB', () => {
    expect(sizeText(75)).toBe('75 MB');
    expect(sizeText(1533)).toBe('1.5 GB');
  });

  it('says installed, default, imported or not installed', () => {
    expect(statusOf(modelListing('a'))).toBe('not_installed');
    expect(statusOf(modelListing('a', { installed: true }))).toBe('installed');
    expect(statusOf(modelListing('a', { installed: true, default: true }))).toBe('default');
    expect(statusOf(modelListing('a', { installed: true, in_catalog: false }))).toBe('imported');
  });

  it('puts installed models first, the default on top, and hides quantized ones unless asked or kept', () => {
    const models = [
      modelListing('tiny'),
      modelListing('tiny-q5_1'),
      modelListing('base', { installed: true }),
      modelListing('base-q5_1', { installed: true, default: true }),
      modelListing('small-q8_0'),
    ];
    const hidden = grouped(models, false);
    expect(hidden.installed.map((m) => m.name)).toEqual(['base-q5_1', 'base']);
    expect(hidden.available.map((m) => m.name)).toEqual(['tiny']);
    expect(hidden.quantized).toBe(2);
    expect(grouped(models, false, (name) => name === 'small-q8_0').available.map((m) => m.name)).toEqual([
      'tiny',
      'small-q8_0',
    ]);
    expect(grouped(models, true).available.map((m) => m.name)).toEqual(['tiny', 'tiny-q5_1', 'small-q8_0']);
  });

  it('reads download progress', () => {
    expect(downloadProgress(undefined)).toEqual({ text: 'Starting…', percent: null });
    expect(downloadProgress({ downloaded: 1_500_000_000, total: 3_000_000_000, state: 'running', error: null })).toEqual({
      text: '1.50 GB of 3.0 GB',
      percent: 50,
    });
    expect(downloadProgress({ downloaded: 2_000_000, total: null, state: 'running', error: null })).toEqual({
      text: '2.0 MB',
      percent: null,
    });
  });
});
