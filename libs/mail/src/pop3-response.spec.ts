import { describe, expect, it } from 'vitest';

import { MultilineDecoder, StatusLineDecoder } from './pop3-response';

/** Feeds `chunks` in order; returns the decoder's result and what followed the response. */
function decode(chunks: Buffer[], limit?: number) {
  const decoder = new MultilineDecoder(limit);
  let rest: Buffer | undefined;
  for (const chunk of chunks) {
    expect(rest).toBeUndefined(); // nothing may be fed after the end
    rest = decoder.feed(chunk);
  }
  if (rest === undefined) throw new Error('response not complete');
  return { ...decoder.result(), rest };
}

/** Every way to cut `wire` in two, and into single bytes. */
function splits(wire: Buffer): Buffer[][] {
  const cuts: Buffer[][] = [];
  for (let at = 1; at < wire.length; at++) cuts.push([wire.subarray(0, at), wire.subarray(at)]);
  cuts.push([wire]);
  cuts.push([...wire].map((byte) => Buffer.from([byte])));
  return cuts;
}

const message = Buffer.from(
  'Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\nmiddle . dot\r\n.\r\n' +
    'not the end: the line above was stuffed\r\nlast line\r\n',
);
// What the server sends: each line starting with "." gets one more, then CRLF . CRLF.
const stuffed = Buffer.from(
  message
    .toString('latin1')
    .split('\r\n')
    .map((line) => (line.startsWith('.') ? `.${line}` : line))
    .join('\r\n') + '.\r\n',
  'latin1',
);

describe('MultilineDecoder', () => {
  it.each([
    ['a plain body', 'line 1\r\nline 2\r\n.\r\n', 'line 1\r\nline 2\r\n'],
    ['an empty body (RETR of a 0-byte message)', '.\r\n', ''],
    ['a body of one empty line', '\r\n.\r\n', '\r\n'],
    ['a stuffed dot line', '..\r\n.\r\n', '.\r\n'],
    ['a line that is only a stuffed dot and text', '..x\r\n.\r\n', '.x\r\n'],
    ['a bare CR inside a line', 'a\rb\r\n.\r\n', 'a\rb\r\n'],
    ['a dot that is not at a line start', 'a.\r\n.b\r\n.\r\n', 'a.\r\nb\r\n'],
  ])('decodes %s', (_situation, wire, body) => {
    expect(decode([Buffer.from(wire)]).data.toString('latin1')).toBe(body);
  });

  it('finds the end and un-stuffs dots however the chunks are cut', () => {
    for (const chunks of splits(stuffed)) {
      const { data, size, rest } = decode(chunks);
      expect(data.toString('latin1')).toBe(message.toString('latin1'));
      expect(size).toBe(message.length);
      expect(rest.length).toBe(0);
    }
  });

  it('returns what follows the end marker (the next response)', () => {
    const wire = Buffer.concat([stuffed, Buffer.from('+OK next\r\n')]);
    for (const chunks of splits(wire)) {
      // Chunks after the one that completes the response are the caller's; only feed until done.
      const decoder = new MultilineDecoder();
      let rest: Buffer | undefined;
      let index = 0;
      while (rest === undefined) rest = decoder.feed(chunks[index++]);
      const after = Buffer.concat([rest, ...chunks.slice(index)]);
      expect(after.toString()).toBe('+OK next\r\n');
      expect(decoder.result().data).toEqual(message);
    }
  });

  it('keeps only `limit` bytes but counts the whole body, whatever the cuts', () => {
    for (const limit of [0, 1, 17, message.length - 1, message.length, message.length + 5]) {
      for (const chunks of splits(stuffed)) {
        const { data, size } = decode(chunks, limit);
        expect(data).toEqual(message.subarray(0, limit));
        expect(size).toBe(message.length);
      }
    }
  });

  it('joins a large body once, from chunks of TLS record size', () => {
    const line = `${'x'.repeat(998)}\r\n`;
    const body = Buffer.from(line.repeat(3000)); // ~3 MB
    const wire = Buffer.concat([body, Buffer.from('.\r\n')]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < wire.length; at += 16_384) chunks.push(wire.subarray(at, at + 16_384));
    const { data, size } = decode(chunks);
    expect(size).toBe(body.length);
    expect(data.equals(body)).toBe(true);
  });
});

describe('StatusLineDecoder', () => {
  it('reads a status line cut anywhere, and hands back what follows', () => {
    const wire = Buffer.from('+OK 2 320\r\nnext');
    for (const chunks of splits(wire)) {
      const decoder = new StatusLineDecoder();
      let rest: Buffer | undefined;
      let index = 0;
      while (rest === undefined) rest = decoder.feed(chunks[index++]);
      expect(decoder.value).toBe('+OK 2 320');
      expect(Buffer.concat([rest, ...chunks.slice(index)]).toString()).toBe('next');
    }
  });

  it('refuses an endless line (not a POP3 server)', () => {
    const decoder = new StatusLineDecoder();
    expect(() => {
      for (let i = 0; i < 100; i++) decoder.feed(Buffer.alloc(1024, 0x61));
    }).toThrow(/status line too long/);
  });
});
