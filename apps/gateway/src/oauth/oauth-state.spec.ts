import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { InvalidOAuthStateError, OAuthStateSigner } from './oauth-state';

const key = randomBytes(32);
const at = (ms: number) => () => ms;

describe('OAuthStateSigner', () => {
  it('round-trips the mailbox id of a fresh state', () => {
    const signer = new OAuthStateSigner(key, at(1_000_000));
    expect(signer.verify(signer.sign(42))).toEqual({ mailboxId: 42, expiresAt: 1000 + 15 * 60 });
  });

  const refused: Array<{ situation: string; state: () => string; message: RegExp }> = [
    {
      situation: 'signed with another key',
      state: () => new OAuthStateSigner(randomBytes(32)).sign(1),
      message: /not issued by this gateway/,
    },
    {
      situation: 'mailbox id changed after signing',
      state: () => {
        const [, mac] = new OAuthStateSigner(key).sign(1).split('.');
        const forged = Buffer.from(JSON.stringify({ m: 2, e: 9_999_999_999, n: 'x' })).toString('base64url');
        return `${forged}.${mac}`;
      },
      message: /not issued by this gateway/,
    },
    {
      situation: 'expired',
      state: () => new OAuthStateSigner(key, at(0)).sign(1, 60),
      message: /expired/,
    },
    { situation: 'not a state at all', state: () => 'hello', message: /malformed/ },
  ];
  it.each(refused)('refuses a state $situation', ({ state, message }) => {
    const signer = new OAuthStateSigner(key);
    expect(() => signer.verify(state())).toThrow(InvalidOAuthStateError);
    expect(() => signer.verify(state())).toThrow(message);
  });
});
