import { describe, expect, it } from 'vitest';

import { DEFAULT_FETCH_BACKOFF, fetchBackoffMs, fetchBackoffUntil } from './fetch-backoff';

const lowest = () => 0; // jitter -20 %
const middle = () => 0.5; // no jitter
const highest = () => 0.999_999_9; // jitter just under +20 %

describe('fetchBackoffMs', () => {
  it.each([
    ['no failure yet: no wait', 0, middle, 0],
    ['first failure: the base, 60 s', 1, middle, 60_000],
    ['second failure: doubled', 2, middle, 120_000],
    ['third failure: doubled again', 3, middle, 240_000],
    ['sixth failure: 32 min', 6, middle, 1_920_000],
    ['seventh failure: 64 min, capped at 1 h', 7, middle, 3_600_000],
    ['a hundred failures: still the cap', 100, middle, 3_600_000],
    ['first failure, jitter at its lowest: 48 s', 1, lowest, 48_000],
    ['first failure, jitter at its highest: just under 72 s', 1, highest, 72_000],
    ['at the cap, jitter at its lowest: 48 min', 50, lowest, 2_880_000],
    ['at the cap, jitter at its highest: never over the cap', 50, highest, 3_600_000],
    ['sixth failure, jitter at its highest: cut at the cap', 6, highest, 2_304_000],
  ])('%s', (_situation, failures, random, expected) => {
    expect(fetchBackoffMs(failures, DEFAULT_FETCH_BACKOFF, random)).toBe(expected);
  });

  it('spreads waits over the whole jitter range with the default random source', () => {
    const waits = Array.from({ length: 2_000 }, () => fetchBackoffMs(1));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(48_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(72_000);
    // Not one fixed value: 2,000 draws land on many different waits.
    expect(new Set(waits).size).toBeGreaterThan(1_000);
  });

  it.each([
    ['a negative count', -1],
    ['a fraction', 1.5],
    ['not a number', Number.NaN],
  ])('refuses %s', (_situation, failures) => {
    expect(() => fetchBackoffMs(failures)).toThrow(RangeError);
  });

  it('follows a custom policy', () => {
    expect(fetchBackoffMs(3, { baseMs: 1_000, capMs: 3_000, jitterRatio: 0 })).toBe(3_000);
    expect(fetchBackoffMs(2, { baseMs: 1_000, capMs: 3_000, jitterRatio: 0 })).toBe(2_000);
  });
});

describe('fetchBackoffUntil', () => {
  it('adds the wait to now', () => {
    const now = new Date('2026-12-04T08:00:00.000Z');
    expect(fetchBackoffUntil(2, now, DEFAULT_FETCH_BACKOFF, middle).toISOString()).toBe(
      '2026-12-04T08:02:00.000Z',
    );
  });
});
