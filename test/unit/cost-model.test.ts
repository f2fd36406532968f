import { describe, expect, it } from 'vitest';
import { newestDatedRun } from '../../bench/cost-model.ts';

describe('newestDatedRun (which committed bench run `npm run cost` prices without one of your own)', () => {
  it('orders by date, then time of day; a plain day file counts as that day 00:00', () => {
    const names = ['2026-11-24.json', '2026-11-25-1325.json', '2026-11-25.json', '2026-11-25-1442.json', 'latest.json', 'soak-latest.json', '2026-11-25-0930.json'];
    expect(newestDatedRun(names)).toBe('2026-11-25-1442.json');
    expect(newestDatedRun(['2026-11-25.json', '2026-11-24-2359.json'])).toBe('2026-11-25.json');
    expect(newestDatedRun(['2026-11-25-0001.json', '2026-11-25.json'])).toBe('2026-11-25-0001.json');
  });

  it('skips runs without what the caller needs (a partial run), and ignores other files', () => {
    const names = ['2026-11-25.json', '2026-11-25-1442.json', '2026-11-26-x.json', '2026-11-27.json.tmp'];
    expect(newestDatedRun(names, (n) => n !== '2026-11-25-1442.json')).toBe('2026-11-25.json');
    expect(newestDatedRun(names, () => false)).toBeUndefined();
    expect(newestDatedRun(['latest.json'])).toBeUndefined();
  });
});
