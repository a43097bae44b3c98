import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

/**
 * Runs the built CLI (`tools/bin/twe.js` -> tools/dist, built by `npm test` before the tests) the way
 * an operator does, and reads its stdout as JSON.
 */
const root = resolve(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'twe-bounce-'));
const garbage = join(scratch, 'garbage.eml');
writeFileSync(garbage, Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0x0a]));
const empty = join(scratch, 'empty.eml');
writeFileSync(empty, Buffer.alloc(0));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function twe(...args: string[]): { status: number | null; json: Record<string, unknown> } {
  const run = spawnSync(process.execPath, [join(root, 'tools', 'bin', 'twe.js'), ...args], {
    encoding: 'utf8',
  });
  return { status: run.status, json: JSON.parse(run.stdout) as Record<string, unknown> };
}

describe('twe bounce <file.eml>', () => {
  it('prints a Postfix DSN with two recipients in the corpus field names', () => {
    const { status, json } = twe('bounce', join(root, 'fixtures/bounces/eml/lhost-postfix-13.eml'));
    expect(status).toBe(0);
    expect(json).toMatchObject({
      kind: 'bounce',
      message_id: '20150213024748.CEEDB20C16@2jo.example.jp',
      subject: 'Nyaaaan',
      per_recipient: [
        {
          recipient: 'kijitora@example.jp',
          status: '5.2.1',
          reply_code: '550',
          reason: 'userunknown',
          hardbounce: true,
          diagnostic: '550 5.2.1 <kijitora@example.jp>... User Unknown',
        },
        {
          recipient: 'noraneko@example.jp',
          status: '5.2.2',
          reply_code: '550',
          reason: 'mailboxfull',
          hardbounce: false,
          diagnostic: '550 5.2.2 <noraneko@example.jp>... Mailbox Full',
        },
      ],
    });
  });

  it('prints an out-of-office reply as auto-reply, not as a bounce', () => {
    const { status, json } = twe('bounce', join(root, 'fixtures/bounces/eml/rfc3834-02.eml'));
    expect(status).toBe(0);
    expect(json['kind']).toBe('auto-reply');
    expect(json['per_recipient']).toEqual([
      {
        recipient: 'nekonyaan@example.org',
        status: null,
        reply_code: null,
        reason: 'vacation',
        hardbounce: false,
        diagnostic: null,
      },
    ]);
  });

  it.each([
    ['a missing file', ['bounce', join(scratch, 'missing.eml')], 'cannot read'],
    ['no file argument', ['bounce'], 'usage: twe bounce <file.eml>'],
    ['an empty file', ['bounce', empty], 'Message is empty (0 bytes)'],
  ])('exits 0 with an error field for %s', (_situation, args, error) => {
    const { status, json } = twe(...args);
    expect(status).toBe(0);
    expect(json['kind']).toBe('not-bounce');
    expect(json['per_recipient']).toEqual([]);
    expect(String(json['error'])).toContain(error);
  });

  it('exits 0 and answers not-bounce for bytes that are no message', () => {
    const { status, json } = twe('bounce', garbage);
    expect(status).toBe(0);
    expect(json['kind']).toBe('not-bounce');
    expect(json['error']).toBeUndefined();
  });
});

describe('twe without a known command', () => {
  it.each([
    ['no command', [], 0],
    ['--help', ['--help'], 0],
    ['an unknown command', ['frobnicate'], 2],
  ])('prints the usage for %s and exits %i', (_situation, args, code) => {
    const run = spawnSync(process.execPath, [join(root, 'tools', 'bin', 'twe.js'), ...args], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(code);
    expect(run.stdout).toContain('usage: twe <command>');
    expect(run.stdout).toContain('bounce');
  });
});
