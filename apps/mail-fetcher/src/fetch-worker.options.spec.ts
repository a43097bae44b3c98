import { appEnvSchema } from '@twe/config';
import { slowestImapTimeoutMs } from '@twe/mail';
import { describe, expect, it } from 'vitest';

import { fetchImapTimeouts, mailFetchLockDurationMs } from './fetch-worker.options';

const configWith = (env: Record<string, string>) => appEnvSchema.parse(env);

describe('the fetch worker lock', () => {
  it.each([
    ['defaults: per-command and per-message limits (2 min) are the slowest', {}, 120_000, 180_000],
    ['a slow message limit raised to 10 min', { FETCH_MESSAGE_TIMEOUT_MS: '600000' }, 600_000, 900_000],
    [
      'connect + greeting + login together the slowest',
      {
        FETCH_CONNECT_TIMEOUT_MS: '100000',
        FETCH_GREETING_TIMEOUT_MS: '100000',
        FETCH_LOGIN_TIMEOUT_MS: '100000',
      },
      300_000,
      450_000,
    ],
    [
      'every limit cut short (tests)',
      {
        FETCH_CONNECT_TIMEOUT_MS: '1000',
        FETCH_GREETING_TIMEOUT_MS: '1000',
        FETCH_LOGIN_TIMEOUT_MS: '1000',
        FETCH_SOCKET_TIMEOUT_MS: '1000',
        FETCH_COMMAND_TIMEOUT_MS: '1000',
        FETCH_MESSAGE_TIMEOUT_MS: '1000',
      },
      5_000, // LOGOUT keeps its fixed 5 s
      7_500,
    ],
  ])('outlasts the slowest wait: %s', (_situation, env, slowest, lock) => {
    const timeouts = fetchImapTimeouts(configWith(env));
    expect(slowestImapTimeoutMs(timeouts)).toBe(slowest);
    expect(mailFetchLockDurationMs(timeouts)).toBe(lock);
    expect(mailFetchLockDurationMs(timeouts)).toBeGreaterThan(slowestImapTimeoutMs(timeouts));
  });

  it('takes each configured timeout over', () => {
    expect(
      fetchImapTimeouts(
        configWith({
          FETCH_CONNECT_TIMEOUT_MS: '1001',
          FETCH_GREETING_TIMEOUT_MS: '1002',
          FETCH_LOGIN_TIMEOUT_MS: '1003',
          FETCH_SOCKET_TIMEOUT_MS: '1004',
          FETCH_COMMAND_TIMEOUT_MS: '1005',
          FETCH_MESSAGE_TIMEOUT_MS: '1006',
        }),
      ),
    ).toEqual({
      connectMs: 1001,
      greetingMs: 1002,
      loginMs: 1003,
      socketMs: 1004,
      commandMs: 1005,
      messageMs: 1006,
      logoutMs: 5_000,
    });
  });

  it.each([
    ['below 100 ms', '99'],
    ['above 10 minutes', '600001'],
    ['not a number', 'soon'],
  ])('refuses a timeout %s', (_situation, value) => {
    expect(() => configWith({ FETCH_SOCKET_TIMEOUT_MS: value })).toThrow();
  });
});
