import { describe, expect, it } from 'vitest';

import { detectAutoReply, suppressAutoResponse } from './auto-reply';
import type { MailHeader } from './mail-header';

// Header sets copied from shared/corpus/mail/eml (Received, DKIM and Content-* lines left out), with
// the corpus's expected `auto_reply_headers` and `suppress_auto_response`.
const corpus: Record<string, MailHeader[]> = {
  'syn-17-oof-with-tag': [
    { key: 'Return-Path', value: '<>' },
    { key: 'Delivered-To', value: 'support@helpdesk.example.com' },
    { key: 'From', value: 'Alice Example <alice@example.com>' },
    { key: 'To', value: 'support@helpdesk.example.com' },
    { key: 'Subject', value: 'Automatic reply: [Support #123-789] Printer on floor 3 is jammed' },
    { key: 'Message-ID', value: '<syn-17-oof@mail.example.com>' },
    { key: 'In-Reply-To', value: '<ticket-123-789.1@helpdesk.example.com>' },
    { key: 'Auto-Submitted', value: 'auto-replied' },
    { key: 'X-Auto-Response-Suppress', value: 'All' },
    { key: 'X-Autoreply', value: 'yes' },
    { key: 'Precedence', value: 'auto_reply' },
    { key: 'MIME-Version', value: '1.0' },
  ],
  'syn-18-null-sender-bounce': [
    { key: 'Return-Path', value: '<>' },
    { key: 'Delivered-To', value: 'support@helpdesk.example.com' },
    { key: 'From', value: 'Mail Delivery System <MAILER-DAEMON@mx.example.net>' },
    { key: 'To', value: 'support@helpdesk.example.com' },
    { key: 'Subject', value: 'Undelivered Mail Returned to Sender' },
    { key: 'Message-ID', value: '<syn-18-bounce@mx.example.net>' },
  ],
  'discourse-auto_generated_precedence': [
    { key: 'Return-Path', value: '<foo@bar.com>' },
    { key: 'From', value: 'Foo Bar <foo@bar.com>' },
    { key: 'Message-ID', value: '<2@foo.bar.mail>' },
    { key: 'Precedence', value: 'list' },
    { key: 'Mime-Version', value: '1.0' },
  ],
  'discourse-auto_generated_header': [
    { key: 'Return-Path', value: '<foo@bar.com>' },
    { key: 'From', value: 'Foo Bar <foo@bar.com>' },
    { key: 'Message-ID', value: '<3@foo.bar.mail>' },
    { key: 'Auto-Submitted', value: 'auto-generated' },
  ],
  'imaptools-bad_date_header': [
    { key: 'X-Originating-IP', value: '[74.206.28.55]' },
    { key: 'From', value: '"Grants-Notification" <infoz@reactive-outpost.com>' },
    { key: 'Subject', value: 'You may_be Eligible for Legitimate_Cash from_GovAgencies! ' },
    { key: 'To', value: 'someone@yahoo.com' },
    { key: 'Precedence', value: ' junk' },
    { key: 'In-Reply-To', value: 'someone@yahoo.com' },
  ],
  'imaptools-empty_in_reply_to': [
    { key: 'Return-path', value: '<ak@g.com>' },
    { key: 'Envelope-to', value: 'abuser@r.ru' },
    { key: 'Return-Path', value: '<ak@g.com>' },
    { key: 'From', value: '"Andrey Kuznetsov" <ak@g.com>' },
    { key: 'To', value: '<abuser@r.ru>' },
    { key: 'In-Reply-To', value: '' },
    { key: 'List-Id', value: '  abuser@rg.com Mailing List' },
    { key: 'Reply-To', value: 'ak@g.com' },
  ],
  'imaptools-report_422': [
    { key: 'Return-Path', value: '<mail_dump@ns1.sssssss.net.au>' },
    { key: 'From', value: 'Mail Delivery Subsystem <MAILER-DAEMON@tppppp.com.au>' },
    { key: 'Subject', value: 'Warning: could not send message for past 8 hours' },
    { key: 'Auto-Submitted', value: 'auto-generated (warning-timeout)' },
    { key: 'Resent-To', value: '<mikel@sssssss.net>' },
  ],
  'imaptools-multi_address_bounce1': [
    { key: 'From', value: 'MAILER-DAEMON@lvmail01.LL.com (Mail Delivery System)' },
    { key: 'Subject', value: 'Undelivered Mail Returned to Sender' },
    { key: 'To', value: 'frank@example.com' },
    { key: 'Auto-Submitted', value: 'auto-replied' },
  ],
  'syn-01-re-tag': [
    { key: 'Return-Path', value: '<alice@example.com>' },
    { key: 'Delivered-To', value: 'support@helpdesk.example.com' },
    { key: 'From', value: 'Alice Example <alice@example.com>' },
    { key: 'To', value: 'Helpdesk <support@helpdesk.example.com>' },
    { key: 'Subject', value: 'RE: [Support #123-789] Printer on floor 3 is jammed' },
    { key: 'In-Reply-To', value: '<ticket-123-789.1@helpdesk.example.com>' },
  ],
  'redmine-issue_update_with_cc': [
    { key: 'Return-Path', value: '<JSmith@somenet.foo>' },
    { key: 'From', value: '"John Smith" <JSmith@somenet.foo>' },
    { key: 'To', value: '<redmine@somenet.foo>' },
    { key: 'Cc', value: '<dlopper@somenet.foo>' },
    { key: 'Subject', value: 'Re: update to issue 2' },
  ],
  // A human reply whose subject looks automatic ("I am not here" in Hebrew): headers decide, not text.
  'phpmmp-issue149': [
    { key: 'Subject', value: "מענה 'אני לא נמצא': Invoice 02722027" },
    { key: 'From', value: 'Name <name@company.com>' },
    { key: 'To', value: 'name@company2.com' },
  ],
};

describe('detectAutoReply on corpus messages', () => {
  it.each([
    [
      'syn-17-oof-with-tag',
      ['Auto-Submitted: auto-replied', 'Precedence: auto_reply', 'X-Autoreply: yes', 'Return-Path: <>'],
      true,
    ],
    ['syn-18-null-sender-bounce', ['Return-Path: <>'], false],
    ['discourse-auto_generated_precedence', ['Precedence: list'], false],
    ['discourse-auto_generated_header', ['Auto-Submitted: auto-generated'], false],
    ['imaptools-bad_date_header', ['Precedence: junk'], false],
    ['imaptools-empty_in_reply_to', ['List-Id: abuser@rg.com Mailing List'], false],
    ['imaptools-report_422', ['Auto-Submitted: auto-generated (warning-timeout)'], false],
    ['imaptools-multi_address_bounce1', ['Auto-Submitted: auto-replied'], false],
    ['syn-01-re-tag', [], false],
    ['redmine-issue_update_with_cc', [], false],
    ['phpmmp-issue149', [], false],
  ])('%s', (file, reasons, suppress) => {
    expect(detectAutoReply(corpus[file])).toEqual({ isAutoReply: reasons.length > 0, reasons });
    expect(suppressAutoResponse(corpus[file])).toBe(suppress);
  });
});

describe('detectAutoReply rules', () => {
  it.each([
    [[{ key: 'Auto-Submitted', value: 'no' }], []],
    [[{ key: 'Auto-Submitted', value: 'No (sent by a person)' }], []],
    [[{ key: 'Auto-Submitted', value: '' }], []],
    [
      [{ key: 'auto-submitted', value: 'auto-notified; owner-email="list@example.com"' }],
      ['Auto-Submitted: auto-notified; owner-email="list@example.com"'],
    ],
    [[{ key: 'Precedence', value: 'Bulk' }], ['Precedence: Bulk']],
    [[{ key: 'Precedence', value: 'first-class' }], []],
    [[{ key: 'Precedence', value: 'normal' }], []],
    [[{ key: 'X-Autorespond', value: 'Vacation' }], ['X-Autorespond: Vacation']],
    [[{ key: 'X-Autoresponder', value: '' }], ['X-Autoresponder:']],
    [[{ key: 'x-loop', value: 'support@helpdesk.example.com' }], ['X-Loop: support@helpdesk.example.com']],
    [
      [{ key: 'List-Id', value: 'Helpdesk users\r\n <users.lists.example.com>' }],
      ['List-Id: Helpdesk users <users.lists.example.com>'],
    ],
    [[{ key: 'Return-Path', value: '< >' }], ['Return-Path: < >']],
    [[{ key: 'Return-Path', value: '<> (bounce)' }], ['Return-Path: <> (bounce)']],
    [[{ key: 'Return-Path', value: '<alice@example.com>' }], []],
    // Exchange puts this on ordinary mail: not an auto-reply marker.
    [[{ key: 'X-Auto-Response-Suppress', value: 'All' }], []],
    [[{ key: 'List-Unsubscribe', value: '<mailto:leave@lists.example.com>' }], []],
    [
      [
        { key: 'X-Loop', value: 'a' },
        { key: 'Precedence', value: 'bulk' },
        { key: 'Auto-Submitted', value: 'auto-generated' },
      ],
      ['Auto-Submitted: auto-generated', 'Precedence: bulk', 'X-Loop: a'],
    ],
  ])('%j -> %j', (headers, reasons) => {
    expect(detectAutoReply(headers)).toEqual({ isAutoReply: reasons.length > 0, reasons });
  });

  it.each([
    ['', ['MAIL FROM: <>']],
    ['<>', ['MAIL FROM: <>']],
    ['alice@example.com', []],
    [null, []],
    [undefined, []],
  ])('envelope sender %j -> %j', (envelopeFrom, reasons) => {
    expect(detectAutoReply(corpus['syn-01-re-tag'], envelopeFrom)).toEqual({
      isAutoReply: reasons.length > 0,
      reasons,
    });
  });
});

describe('suppressAutoResponse', () => {
  it.each([
    ['All', true],
    ['OOF', true],
    ['DR, RN, NRN, OOF, AutoReply', true],
    ['autoreply', true],
    ['DR, RN, NRN', false],
    ['AutoReplyAll', false],
    ['', false],
  ])('X-Auto-Response-Suppress: %j -> %s', (value, expected) => {
    expect(suppressAutoResponse([{ key: 'x-auto-response-suppress', value }])).toBe(expected);
  });

  it('is false without the header', () => {
    expect(suppressAutoResponse([{ key: 'Auto-Submitted', value: 'auto-replied' }])).toBe(false);
  });
});
