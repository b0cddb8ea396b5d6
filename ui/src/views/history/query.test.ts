import { describe, expect, it } from 'vitest';
import { folderView } from './fixtures';
import { baseName, filterQuery, folderLabels, NO_FILTERS, sinceFor } from './query';

describe('history filters', () => {
  it('asks the engine only for the filters that are set', () => {
    expect(filterQuery(NO_FILTERS, 0)).toEqual({ limit: 50, offset: 0 });
    expect(filterQuery({ status: 'failed', folder: '7', date: '30d' }, 50, 1_700_000_000_000)).toEqual({
      status: 'failed',
      folder: 7,
      since: 1_700_000_000_000 - 30 * 86_400_000,
      limit: 50,
      offset: 50,
    });
  });

  it('starts Today at local midnight', () => {
    const now = new Date(2026, 2, 14, 15, 30).getTime();
    expect(sinceFor('today', now)).toBe(new Date(2026, 2, 14).getTime());
    expect(sinceFor('any', now)).toBeUndefined();
  });

  it('names folders by their last part, with the parent where two share a name', () => {
    expect(baseName('/home/ada/Calls/')).toBe('Calls');
    expect(baseName('C:\\Users\\ada\\Calls')).toBe('Calls');
    const labels = folderLabels([
      folderView(1, '/home/ada/Calls'),
      folderView(2, '/mnt/share/Calls'),
      folderView(3, '/home/ada/Interviews'),
    ]);
    expect([...labels.values()]).toEqual(['ada/Calls', 'share/Calls', 'Interviews']);
  });
});
