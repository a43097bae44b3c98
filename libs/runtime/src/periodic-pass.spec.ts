import { describe, expect, it } from 'vitest';

import { PeriodicPass } from './periodic-pass';

describe('PeriodicPass', () => {
  it('lets a caller that arrives during a pass share it instead of starting another', async () => {
    const periodic = new PeriodicPass();
    let passes = 0;
    let finish: (value: number) => void = () => undefined;
    const pass = () => {
      passes++;
      return new Promise<number>((resolve) => (finish = resolve));
    };
    const first = periodic.run(pass);
    const second = periodic.run(pass);
    finish(7);
    expect(await Promise.all([first, second])).toEqual([7, 7]);
    expect(passes).toBe(1);
  });

  it('starts a new pass once the previous one ended, also after a failure', async () => {
    const periodic = new PeriodicPass();
    await expect(periodic.run(() => Promise.reject(new Error('database down')))).rejects.toThrow(
      'database down',
    );
    expect(await periodic.run(() => Promise.resolve(3))).toBe(3);
  });

  it('waits on stop for the pass in hand', async () => {
    const periodic = new PeriodicPass();
    const events: string[] = [];
    void periodic.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      events.push('pass ended');
      return 1;
    });
    await periodic.stop();
    events.push('stopped');
    expect(events).toEqual(['pass ended', 'stopped']);
  });
});
