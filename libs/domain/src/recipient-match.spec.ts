import { describe, expect, it } from 'vitest';

import { envelopeRecipientsFromHeaders, matchTicketTypes } from './recipient-match';

describe('matchTicketTypes', () => {
  const support = { name: 'Support', emailTo: 'support@helpdesk.example.com' };
  const sales = { name: 'Sales', emailTo: 'Sales Team <Sales@Helpdesk.Example.com>' };
  const billing = { name: 'Billing', emailTo: 'support+billing@helpdesk.example.com' };
  const german = { name: 'Hilfe', emailTo: 'hilfe@exämple.net' };
  const broken = { name: 'Broken', emailTo: 'not an address' };
  const punycodeType = { name: 'Kunden', emailTo: 'kunden@xn--mller-kva.example' };
  const types = [support, sales, billing, german, broken, punycodeType];
  const none = { to: [], cc: [], envelope: [] };

  it.each([
    // corpus syn-01: helpdesk in To with a display name
    ['To', { ...none, to: ['Helpdesk <support@helpdesk.example.com>'] }, [support]],
    // corpus syn-10: helpdesk only in BCC, visible in Delivered-To / X-Original-To
    [
      'BCC via envelope',
      { to: ['Grace Example <grace@example.org>'], cc: [], envelope: ['support@helpdesk.example.com'] },
      [support],
    ],
    [
      'Cc, other case',
      { to: ['frank@example.org'], cc: ['SALES@helpdesk.example.com'], envelope: [] },
      [sales],
    ],
    [
      'order of the types list',
      { ...none, to: ['sales@helpdesk.example.com', 'support@helpdesk.example.com'] },
      [support, sales],
    ],
    [
      'each type once',
      {
        to: ['support@helpdesk.example.com'],
        cc: ['Support <SUPPORT@helpdesk.example.com>'],
        envelope: ['support@helpdesk.example.com'],
      },
      [support],
    ],
    ['subaddress', { ...none, to: ['support+printer@helpdesk.example.com'] }, [support]],
    ['subaddress owned by a type', { ...none, to: ['support+billing@helpdesk.example.com'] }, [billing]],
    ['empty subaddress', { ...none, to: ['support+@helpdesk.example.com'] }, [support]],
    ['no base mailbox', { ...none, to: ['+support@helpdesk.example.com'] }, []],
    ['IDN in punycode', { ...none, to: ['Hilfe@xn--exmple-cua.net'] }, [german]],
    // a whole header value with a quoted comma in a display name
    [
      'address list',
      { ...none, to: ['"Sample, Grace" <gst@example.com>, support@helpdesk.example.com'] },
      [support],
    ],
    // corpus redmine-issue_update_with_cc: addressed to another system entirely
    ['no match', { to: ['<redmine@somenet.foo>'], cc: ['<dlopper@somenet.foo>'], envelope: [] }, []],
    ['same local part, other domain', { ...none, to: ['support@helpdesk.example.org'] }, []],
    ['a dash is not a separator', { ...none, to: ['support-printer@helpdesk.example.com'] }, []],
    ['nothing', none, []],
    ['IDN in Unicode, type in Unicode', { ...none, to: ['Hilfe <HILFE@EXÄMPLE.net>'] }, [german]],
    ['IDN in Unicode, type in punycode', { ...none, cc: ['kunden@müller.example'] }, [punycodeType]],
    ['IDN in punycode, type in punycode', { ...none, to: ['KUNDEN@XN--MLLER-KVA.EXAMPLE'] }, [punycodeType]],
    [
      'display name that looks like another address',
      { ...none, to: ['"sales@helpdesk.example.com" <grace@example.org>'] },
      [],
    ],
    [
      'display name in another case and a comment',
      { ...none, to: ['SUPPORT (desk) <Support@HelpDesk.Example.COM>'] },
      [support],
    ],
    ['subaddress in upper case', { ...none, to: ['SUPPORT+Printer@HELPDESK.example.com'] }, [support]],
    [
      'subaddress of a type written with a display name',
      { ...none, to: ['sales+q3@helpdesk.example.com'] },
      [sales],
    ],
    [
      'subaddress in the envelope only (BCC)',
      { ...none, envelope: ['support+bcc@helpdesk.example.com'] },
      [support],
    ],
    [
      'two types in To and Cc',
      { to: ['support@helpdesk.example.com'], cc: ['sales@helpdesk.example.com'], envelope: [] },
      [support, sales],
    ],
    ['trailing root dot of the domain', { ...none, to: ['support@helpdesk.example.com.'] }, [support]],
    [
      'group syntax',
      { ...none, to: ['Helpdesk: support@helpdesk.example.com, sales@helpdesk.example.com;'] },
      [support, sales],
    ],
    [
      'undisclosed recipients and the helpdesk only in Delivered-To',
      { to: ['undisclosed-recipients:;'], cc: [], envelope: ['sales@helpdesk.example.com'] },
      [sales],
    ],
  ])('%s', (_case, recipients, expected) => {
    const matched = matchTicketTypes(recipients, types);
    expect(matched.map((type) => type.name)).toEqual(expected.map((type) => type.name));
    matched.forEach((type, index) => expect(type).toBe(expected[index]));
  });

  it('matches nothing when there are no types', () => {
    expect(matchTicketTypes({ to: ['support@helpdesk.example.com'], cc: [], envelope: [] }, [])).toEqual([]);
  });
});

describe('envelopeRecipientsFromHeaders', () => {
  it.each([
    [
      'corpus syn-10 (BCC only)',
      [
        { key: 'Return-Path', value: '<frank@example.org>' },
        { key: 'X-Original-To', value: 'support@helpdesk.example.com' },
        { key: 'Delivered-To', value: 'support@helpdesk.example.com' },
        {
          key: 'Received',
          value:
            'from mx.example.org (mx.example.org [192.0.2.10])\r\n\tby mail.helpdesk.example.com (Postfix) with ESMTPS id 7C1D20A0011\r\n\tfor <support@helpdesk.example.com>; Tue, 14 May 2024 10:01:02 +0200 (CEST)',
        },
        { key: 'From', value: 'Frank Example <frank@example.org>' },
        { key: 'To', value: 'Grace Example <grace@example.org>' },
        { key: 'Subject', value: 'New laptop for Grace' },
      ],
      ['support@helpdesk.example.com'],
    ],
    [
      'corpus mailparser-spam (Envelope-To in angle brackets)',
      [
        { key: 'Return-Path', value: '<noreply@nestor.co.uk>' },
        { key: 'To', value: 'recipient@example.com' },
        { key: 'Envelope-To', value: '<bcc-recipient@example.com>' },
      ],
      ['bcc-recipient@example.com'],
    ],
    [
      'corpus imaptools-empty_in_reply_to (Exim spelling)',
      [
        { key: 'Return-path', value: '<ak@g.com>' },
        { key: 'Envelope-to', value: 'abuser@r.ru' },
        { key: 'To', value: '<abuser@r.ru>' },
      ],
      ['abuser@r.ru'],
    ],
    [
      'corpus imaptools-report_422 (Resent-To)',
      [
        { key: 'To', value: '<jennifer@sss.sssssss.net.au>' },
        { key: 'Resent-From', value: '<mail_dump@ns1.sssssss.net.au>' },
        { key: 'Resent-To', value: '<mikel@sssssss.net>' },
      ],
      ['mikel@sssssss.net'],
    ],
    [
      'parser keys in lower case, header order, no duplicates',
      [
        { key: 'delivered-to', value: 'Support@Helpdesk.example.com' },
        { key: 'x-original-to', value: 'sales@helpdesk.example.com' },
        { key: 'delivered-to', value: 'support@helpdesk.example.com' },
      ],
      ['support@helpdesk.example.com', 'sales@helpdesk.example.com'],
    ],
    [
      'a list in one header',
      [
        { key: 'Envelope-To', value: 'support@helpdesk.example.com, sales@helpdesk.example.com' },
        { key: 'Resent-Cc', value: 'Billing <billing@helpdesk.example.com>' },
      ],
      ['support@helpdesk.example.com', 'sales@helpdesk.example.com', 'billing@helpdesk.example.com'],
    ],
    [
      'every delivery header the MTAs use, each spelling',
      [
        { key: 'DELIVERED-TO', value: 'a@helpdesk.example.com' },
        { key: 'X-Original-To', value: '<b@helpdesk.example.com>' },
        { key: 'envelope-to', value: 'C@Helpdesk.Example.com' },
        { key: 'Resent-To', value: 'Desk <d@helpdesk.example.com>' },
        { key: 'X-Envelope-To', value: 'not-read@helpdesk.example.com' },
        { key: 'To', value: 'not-envelope@helpdesk.example.com' },
      ],
      [
        'a@helpdesk.example.com',
        'b@helpdesk.example.com',
        'c@helpdesk.example.com',
        'd@helpdesk.example.com',
      ],
    ],
    [
      'IDN in a delivery header becomes punycode',
      [{ key: 'Delivered-To', value: 'hilfe@exämple.net' }],
      ['hilfe@xn--exmple-cua.net'],
    ],
    [
      'corpus redmine-issue_update_with_cc (To and Cc only)',
      [
        { key: 'Return-Path', value: '<JSmith@somenet.foo>' },
        { key: 'To', value: '<redmine@somenet.foo>' },
        { key: 'Cc', value: '<dlopper@somenet.foo>' },
      ],
      [],
    ],
  ])('%s', (_case, headers, expected) => {
    expect(envelopeRecipientsFromHeaders(headers)).toEqual(expected);
  });
});
