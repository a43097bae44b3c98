import { describe, expect, it } from 'vitest';

import { addressesMatch, extractAddresses, normalizeAddress } from './email-address';

describe('normalizeAddress', () => {
  // Values marked "corpus" are header values of shared/corpus/mail messages.
  it.each([
    ['"Support Desk" <Support@Example.COM>', 'support@example.com'],
    ['  support@helpdesk.example.com  ', 'support@helpdesk.example.com'],
    ['Helpdesk <support@helpdesk.example.com>', 'support@helpdesk.example.com'], // corpus syn-01 To
    ['<bcc-recipient@example.com>', 'bcc-recipient@example.com'], // corpus mailparser-spam Envelope-To
    ['MAILER-DAEMON@lvmail01.LL.com (Mail Delivery System)', 'mailer-daemon@lvmail01.ll.com'], // corpus bounce From
    ['"Sample, Grace" <gst@example.com>', 'gst@example.com'], // corpus rt-text-html-with-umlaut From
    ['"\'jesse@example.com\'" <jesse@example.com>', 'jesse@example.com'], // corpus rt-text-html-with-umlaut To
    ['"Märy Smith" <märy@exämple.net>', 'märy@xn--exmple-cua.net'], // corpus imaptools-utf8_headers To
    ['John Doe <jdoe@machine(comment).  example>', 'jdoe@machine.example'], // corpus imaptools-example13 From
    ['anyone@YAHOO.COM', 'anyone@yahoo.com'], // corpus imaptools-must_supply_encoding To
    ['JSmith@somenet.foo', 'jsmith@somenet.foo'],
    ['greg@inbucket', 'greg@inbucket'], // corpus enmime-bad-header-wrap To: a dotless domain
    ['jdoe @ machine . example', 'jdoe@machine.example'], // RFC 5322 obsolete white space
    ['support@helpdesk.example.com.', 'support@helpdesk.example.com'],
    ['hilfe@MÜNCHEN.de', 'hilfe@xn--mnchen-3ya.de'],
    ['"john"@example.com', 'john@example.com'],
    ['"John Doe"@Example.com', '"john doe"@example.com'],
    ['postmaster@[192.0.2.1]', 'postmaster@[192.0.2.1]'],
    ['<@relay.example.org:frank@example.org>', 'frank@example.org'],
    ['=?UTF-8?B?SsO2aG4gRG9l?= <jdoe@example.com>', 'jdoe@example.com'],
  ])('%j -> %j', (input, expected) => {
    expect(normalizeAddress(input)).toBe(expected);
  });

  it.each([
    '',
    '   ',
    'Support Desk',
    'support@',
    '@example.com',
    'support@bad..example.com',
    'support@exa%mple.com',
    '<>',
    'undisclosed-recipients:;',
    'support@helpdesk.example.com, sales@helpdesk.example.com',
    'Mary Smith', // corpus imaptools-example13 To, cut off before the address
  ])('%j -> null', (input) => {
    expect(normalizeAddress(input)).toBeNull();
  });

  it.each([null, undefined])('%s -> null', (input) => {
    expect(normalizeAddress(input)).toBeNull();
  });
});

describe('extractAddresses', () => {
  it.each([
    // corpus mmp-m0006 To, folded, with an encoded-word display name
    [
      '"Joe Blow" <jblow@example.com>,\r\n\t=?utf-7?B?SitBUHctcmdlbiBTY2htK0FQdy1yZ2Vu?= <schmuergen@example.com>',
      ['jblow@example.com', 'schmuergen@example.com'],
    ],
    // corpus imaptools-weird_to_header To: an empty first element
    [', user-example@aol.com, e-s-a-s-2200@app.ar.com', ['user-example@aol.com', 'e-s-a-s-2200@app.ar.com']],
    ['<redmine@somenet.foo>', ['redmine@somenet.foo']], // corpus redmine-issue_update_with_cc To
    ['undisclosed-recipients:;', []],
    [
      'Helpdesk: support@helpdesk.example.com, "Sales, EMEA" <Sales@helpdesk.example.com>;, frank@example.org',
      ['support@helpdesk.example.com', 'sales@helpdesk.example.com', 'frank@example.org'],
    ],
    ['"Doe, John \\"JD\\"" <john@example.com>, jane@example.com', ['john@example.com', 'jane@example.com']],
    ['x@example.com (Frank (the, boss) Example), y@example.com', ['x@example.com', 'y@example.com']],
    [
      'support@helpdesk.example.com, SUPPORT@helpdesk.example.com',
      ['support@helpdesk.example.com', 'support@helpdesk.example.com'],
    ],
    ['Mary Smith', []],
    ['not an address, , ;', []],
    ['', []],
  ])('%j -> %j', (headerValue, expected) => {
    expect(extractAddresses(headerValue)).toEqual(expected);
  });
});

describe('addressesMatch', () => {
  it.each([
    ['Helpdesk <Support@Helpdesk.Example.com>', 'support@helpdesk.example.com', true],
    ['märy@exämple.net', 'MÄRY@xn--exmple-cua.net', true],
    ['<redmine@somenet.foo>', 'redmine@somenet.foo.', true],
    ['support@helpdesk.example.com', 'sales@helpdesk.example.com', false],
    ['support@helpdesk.example.com', 'support@helpdesk.example.org', false],
    // Subaddresses are a recipient-matching rule, not address equality.
    ['support+printer@helpdesk.example.com', 'support@helpdesk.example.com', false],
    ['not an address', 'not an address', false],
    ['', '', false],
    [null, null, false],
    [undefined, 'support@helpdesk.example.com', false],
  ])('%j vs %j -> %s', (a, b, expected) => {
    expect(addressesMatch(a, b)).toBe(expected);
  });
});
