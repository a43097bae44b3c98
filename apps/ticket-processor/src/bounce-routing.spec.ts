import { TicketTask, type TicketType } from '@twe/persistence';
import { describe, expect, it } from 'vitest';

import { routesToBounceWorker } from './bounce-routing';

// Plain objects stand in for entities: the function reads only `task` and `emailTo`.
const type = (task: TicketType['task'], emailTo: string) => ({ task, emailTo }) as TicketType;
const support = type(TicketTask.SimpleStorage, 'support@example.org');
const bounces = type(TicketTask.BounceBack, 'bounces@bounce.example.org');

describe('routesToBounceWorker', () => {
  it.each([
    [
      'a message to the Bounce Back type',
      { to: ['bounces@bounce.example.org'], cc: [], envelope: [] },
      [bounces],
      true,
    ],
    [
      'a DSN to our VERP return path (Delivered-To)',
      { to: [], cc: [], envelope: ['bounces+42@bounce.example.org'] },
      [],
      true,
    ],
    [
      'a DSN to our VERP return path (To)',
      { to: ['bounces+42@bounce.example.org'], cc: [], envelope: [] },
      [],
      true,
    ],
    [
      'a bounce also copied to the support address',
      { to: ['support@example.org'], cc: ['bounces@bounce.example.org'], envelope: [] },
      [support, bounces],
      true,
    ],
    [
      'a VERP-looking address on a foreign domain',
      { to: ['bounces+42@other.example'], cc: [], envelope: [] },
      [],
      false,
    ],
    ['an enquiry to support', { to: ['support@example.org'], cc: [], envelope: [] }, [support], false],
    ['a message matching no type', { to: ['someone@else.example'], cc: [], envelope: [] }, [], false],
  ])('%s -> %s', (_situation, recipients, matched, expected) => {
    expect(routesToBounceWorker(recipients, matched, [support, bounces])).toBe(expected);
  });

  it('knows no VERP domain while there is no Bounce Back type', () => {
    expect(
      routesToBounceWorker({ to: ['bounces+42@bounce.example.org'], cc: [], envelope: [] }, [], [support]),
    ).toBe(false);
  });
});
