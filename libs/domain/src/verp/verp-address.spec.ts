import { describe, expect, it } from 'vitest';

import { findQuotedEmailQueueId } from './outbound-header';
import { addressDomain, findVerpAddress, formatVerpAddress, parseVerpAddress } from './verp-address';

describe('formatVerpAddress', () => {
  it.each([
    [1, 'example.org', 'bounces+1@example.org'],
    [2_147_483_647, 'Bounce.Example.ORG', 'bounces+2147483647@bounce.example.org'],
    [42, ' mail.example.co.uk ', 'bounces+42@mail.example.co.uk'],
  ])('row %d on %j -> %s', (id, domain, expected) => {
    expect(formatVerpAddress(id, domain)).toBe(expected);
  });

  it.each([
    [0, 'example.org'],
    [-1, 'example.org'],
    [1.5, 'example.org'],
    [2_147_483_648, 'example.org'],
    [1, ''],
    [1, 'localhost'],
    [1, 'exa mple.org'],
    [1, 'a@b.org'],
  ])('refuses row %d on %j', (id, domain) => {
    expect(() => formatVerpAddress(id, domain)).toThrow(RangeError);
  });
});

describe('parseVerpAddress', () => {
  it.each([
    ['bounces+17@example.org', { emailQueueId: 17, domain: 'example.org' }],
    ['<Bounces+17@Example.ORG>', { emailQueueId: 17, domain: 'example.org' }],
    [
      '"Mail Delivery" <bounces+2147483647@example.org>',
      { emailQueueId: 2_147_483_647, domain: 'example.org' },
    ],
  ])('reads %j', (address, expected) => {
    expect(parseVerpAddress(address)).toEqual(expected);
  });

  it.each([
    ['bounces@example.org', 'no id'],
    ['bounces+@example.org', 'empty id'],
    ['bounces+007@example.org', 'leading zeros: never sent by us'],
    ['bounces+0@example.org', 'zero'],
    ['bounces+2147483648@example.org', 'above int4'],
    ['bounces+12abc@example.org', 'not a number'],
    ['prefix-bounces+12@example.org', 'another local part'],
    ['bounces+1@example.org, bounces+2@example.org', 'a list'],
    ['', 'empty'],
  ])('rejects %j (%s)', (address) => {
    expect(parseVerpAddress(address)).toBeNull();
  });

  it('round-trips what formatVerpAddress writes', () => {
    for (const id of [1, 9, 10, 99_999, 2_147_483_647]) {
      expect(parseVerpAddress(formatVerpAddress(id, 'b.example.org'))).toEqual({
        emailQueueId: id,
        domain: 'b.example.org',
      });
    }
  });
});

describe('findVerpAddress', () => {
  it('takes the first VERP address on the bounce domain', () => {
    expect(
      findVerpAddress(
        ['bounces@example.org', 'bounces+5@other.example', 'bounces+6@example.org'],
        'Example.org',
      ),
    ).toEqual({ emailQueueId: 6, domain: 'example.org' });
  });

  it('takes any domain when none is given', () => {
    expect(findVerpAddress(['x@y.org', 'bounces+5@other.example'])).toEqual({
      emailQueueId: 5,
      domain: 'other.example',
    });
  });

  it('is null without a VERP address', () => {
    expect(findVerpAddress(['bounces@example.org'], 'example.org')).toBeNull();
  });
});

describe('findQuotedEmailQueueId', () => {
  it.each<[string, number | null, string]>([
    ['Subject: x\r\nX-TWE-Email-Id: 42\r\nFrom: a@b', 42, 'a header block'],
    ['> x-twe-email-id:  77 \n', 77, 'quoted with > and lower case'],
    ['X-TWE-Email-Id: 0\n', null, 'zero'],
    ['X-TWE-Email-Id: 99999999999\n', null, 'too long'],
    ['Body mentions X-TWE-Email-Id: 5 inline\n', null, 'not at the start of a line'],
    ['no header here', null, 'absent'],
  ])('%j -> %j (%s)', (text, expected) => {
    expect(findQuotedEmailQueueId(text)).toBe(expected);
  });
});

describe('addressDomain', () => {
  it.each([
    ['Bounces@Example.ORG', 'example.org'],
    ['"B" <b@bounce.example.org>', 'bounce.example.org'],
    ['not an address', null],
  ])('%j -> %j', (address, expected) => {
    expect(addressDomain(address)).toBe(expected);
  });
});
