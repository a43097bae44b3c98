import { describe, expect, it } from 'vitest';

import { angleMessageId, bareMessageId } from './message-id';

describe('bareMessageId / angleMessageId', () => {
  it.each([
    ['<a@b.example>', 'a@b.example'],
    ['a@b.example', 'a@b.example'],
    ['  <a@b.example>  ', 'a@b.example'],
    ['< a@b.example >', 'a@b.example'],
    ['<a@b.example', 'a@b.example'],
    ['a@b.example>', 'a@b.example'],
    ['<<a@b.example>>', null],
    ['<a b@c.example>', null],
    ['<>', null],
    ['', null],
    ['   ', null],
    [null, null],
    [undefined, null],
  ])('%j', (value, bare) => {
    expect(bareMessageId(value)).toBe(bare);
    expect(angleMessageId(value)).toBe(bare === null ? null : `<${bare}>`);
  });
});
