import { describe, it } from 'vitest';

import { b64, expectInspection, message, type Case } from './synthetic-message';

const auto = (situation: string, headers: string[], isAutoReply: boolean): Case => ({
  situation,
  raw: message(headers),
  expected: { is_auto_reply: isAutoReply },
});

const suppress = (value: string, expected: boolean): Case => ({
  situation: `X-Auto-Response-Suppress: ${value}`,
  raw: message([`X-Auto-Response-Suppress: ${value}`]),
  expected: { suppress_auto_response: expected, is_auto_reply: false },
});

const tag = (
  situation: string,
  subject: string,
  expected: { ticket_id: string; log_id: string } | null,
): Case => ({
  situation,
  raw: message([`Subject: ${subject}`]),
  expected: { ticket_tag: expected },
});

const T123 = { ticket_id: '123', log_id: '789' };

const cases: Case[] = [
  auto('Auto-Submitted: auto-replied', ['Auto-Submitted: auto-replied'], true),
  auto('Auto-Submitted: auto-generated with a comment', ['Auto-Submitted: auto-generated (vacation)'], true),
  auto('Auto-Submitted: no', ['Auto-Submitted: no'], false),
  auto('Auto-Submitted: No in another case', ['Auto-Submitted: No'], false),
  auto('Precedence: bulk', ['Precedence: bulk'], true),
  auto('Precedence: junk', ['Precedence: junk'], true),
  auto('Precedence: list', ['Precedence: list'], true),
  auto('Precedence: auto_reply', ['Precedence: auto_reply'], true),
  auto('Precedence: BULK in upper case', ['Precedence: BULK'], true),
  auto('Precedence: first-class is human mail', ['Precedence: first-class'], false),
  auto('X-Autoreply with any value', ['X-Autoreply: yes'], true),
  auto('X-Autorespond with any value', ['X-Autorespond: Vacation'], true),
  auto('X-Autoresponder with any value', ['X-Autoresponder: 1'], true),
  auto('List-Id', ['List-Id: Team list <team.lists.example.com>'], true),
  auto('Return-Path: <> (null sender)', ['Return-Path: <>'], true),
  auto('Return-Path with an address', ['Return-Path: <alice@example.com>'], false),
  auto('X-Loop', ['X-Loop: helpdesk@example.com'], true),
  auto(
    '"Automatic reply:" only in the subject is not a header verdict',
    ['Subject: Automatic reply: Out of office'],
    false,
  ),
  auto('localized out-of-office subject only', ['Subject: Abwesenheitsnotiz: Urlaub'], false),
  auto('X-Auto-Response-Suppress alone is not an auto-reply', ['X-Auto-Response-Suppress: All'], false),
  auto('plain human mail', [], false),
  suppress('All', true),
  suppress('OOF', true),
  suppress('AutoReply', true),
  suppress('DR, RN, NRN, OOF, AutoReply', true),
  suppress('DR, RN', false),
  suppress('oof', true),
  {
    situation: 'no X-Auto-Response-Suppress',
    raw: message([]),
    expected: { suppress_auto_response: false },
  },
  {
    situation: 'envelope recipients in the order of names, each in header order',
    raw: message([
      'Envelope-To: env@helpdesk.example.com',
      'X-Original-To: orig@helpdesk.example.com',
      'Delivered-To: first@helpdesk.example.com',
      'Delivered-To: second@helpdesk.example.com',
    ]),
    expected: {
      envelope_recipients: [
        'Delivered-To: first@helpdesk.example.com',
        'Delivered-To: second@helpdesk.example.com',
        'X-Original-To: orig@helpdesk.example.com',
        'Envelope-To: env@helpdesk.example.com',
      ],
    },
  },
  {
    situation: 'envelope recipient header in lower case',
    raw: message(['delivered-to: support@helpdesk.example.com']),
    expected: { envelope_recipients: ['Delivered-To: support@helpdesk.example.com'] },
  },
  {
    situation: 'BCC delivery: helpdesk only in Delivered-To, not in To/Cc',
    raw: message(['To: grace@example.org', 'Delivered-To: support@helpdesk.example.com']),
    expected: {
      to_cc_addresses: ['grace@example.org'],
      envelope_recipients: ['Delivered-To: support@helpdesk.example.com'],
    },
  },
  {
    situation: 'no envelope headers',
    raw: message([]),
    expected: { envelope_recipients: [] },
  },
  {
    situation: 'bounce with report-type quoted and in capitals',
    raw: message(
      ['Content-Type: Multipart/Report; Report-Type="Delivery-Status"; boundary="r"'],
      '--r\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n--r--\r\n',
    ),
    expected: { is_bounce: true, attachment_count: 0, text_contains: ['Failed.'] },
  },
  {
    situation: 'delivery report nested inside multipart/mixed is not a top-level bounce',
    raw: message(
      ['Content-Type: multipart/mixed; boundary="m"'],
      '--m\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n--r\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n--r--\r\n--m--\r\n',
    ),
    expected: { is_bounce: false },
  },
  {
    situation: 'bounce-looking subject without a report is not a bounce',
    raw: message(['Subject: Undelivered Mail Returned to Sender']),
    expected: { is_bounce: false },
  },
  tag('canonical tag', '[Support #123-789] Printer', T123),
  tag('tag behind Re:', 'Re: [Support #123-789] Printer', T123),
  tag('tag behind AW: AW: WG:', 'AW: AW: WG: [Support #123-789] Printer', T123),
  tag('tag without space before #', 'RE: [Support#123-789] Printer', T123),
  tag('tag with spaces inside the brackets', 'Re: [ Support #123-789 ] Printer', T123),
  tag('tag inside a B encoded subject', `=?UTF-8?B?${b64('回复: [Support #123-789] 打印机')}?=`, T123),
  tag(
    'tag split across two encoded-words',
    '=?UTF-8?Q?Re:_[Support_#123-?= =?UTF-8?Q?789]_Dr=C3=BCcker?=',
    T123,
  ),
  tag('foreign tracker tag is not ours', 'Re: [Cookbook - Feature #2] Recipes', null),
  tag('no tag', 'Printer on floor 3', null),
  {
    situation: 'tag in a raw UTF-8 subject',
    raw: message([Buffer.from('Subject: Antw: [Support #123-789] Drücker', 'utf8')]),
    expected: { ticket_tag: T123, subject: 'Antw: [Support #123-789] Drücker' },
  },
];

describe('inspectMessage gives the auto-reply, envelope and tag verdicts as the mail corpus defines them', () => {
  it.each(cases.map((entry) => [entry.situation, entry] as const))('%s', async (_situation, entry) => {
    await expectInspection(entry.raw, entry.expected);
  });
});
