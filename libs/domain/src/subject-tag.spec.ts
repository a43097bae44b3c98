import { describe, expect, it } from 'vitest';

import { findSubjectTag, formatTaggedSubject } from './subject-tag';

describe('findSubjectTag', () => {
  // Subjects marked "corpus" are the decoded subjects of shared/corpus/mail messages.
  it.each([
    ['RE: [Support #123-789] Printer on floor 3 is jammed', 'Support', 123, 789, 'canonical'], // corpus syn-01
    ['AW: AW: [Support #123-789] Drucker im 3. Stock klemmt', 'Support', 123, 789, 'canonical'], // corpus syn-02
    ['SV: [Support #123-789] Skrivaren på plan 3', 'Support', 123, 789, 'canonical'], // corpus syn-03
    ['回复：[Support #123-789] 打印机卡纸', 'Support', 123, 789, 'canonical'], // corpus syn-05
    ['Fwd: [Support #123-789] Café machine broken', 'Support', 123, 789, 'canonical'], // corpus syn-06
    ['Re: [Support#123-789] Printer on floor 3 is jammed', 'Support', 123, 789, 'mangled'], // corpus syn-07
    // Forged log id (corpus syn-09): syntactically a tag; the caller must check the log belongs to the ticket.
    ['Re: [Support #123-999] Printer on floor 3 is jammed', 'Support', 123, 999, 'canonical'],
    ['Automatic reply: [Support #123-789] Printer on floor 3 is jammed', 'Support', 123, 789, 'canonical'], // syn-17
    ['FW: [Support #123-789] Printer broken', 'Support', 123, 789, 'canonical'],
    ['WG: [Support #123-789] Drucker kaputt', 'Support', 123, 789, 'canonical'],
    ['VS: [Support #123-789] Tulostin rikki', 'Support', 123, 789, 'canonical'],
    ['Antw: [Support #123-789] Printer kapot', 'Support', 123, 789, 'canonical'],
    ['TR: [Support #123-789] Imprimante en panne', 'Support', 123, 789, 'canonical'],
    ['RV: [Support #123-789] Impresora rota', 'Support', 123, 789, 'canonical'],
    ['Ynt: [Support #123-789] Yazıcı bozuk', 'Support', 123, 789, 'canonical'],
    ['Odp: [Support #123-789] Drukarka zepsuta', 'Support', 123, 789, 'canonical'],
    ['转发: [Support #123-789] 打印机卡纸', 'Support', 123, 789, 'canonical'],
    ['答复： [Support #123-789] 打印机卡纸', 'Support', 123, 789, 'canonical'],
    ['Re[2]: [Support #123-789] Printer broken', 'Support', 123, 789, 'canonical'],
    ['RE: Fwd: AW: Re[3]: [Support #123-789] Printer broken', 'Support', 123, 789, 'canonical'],
    ['Printer broken [Support #123-789]', 'Support', 123, 789, 'canonical'],
    ['[Fwd: [Support #123-789] Printer broken]', 'Support', 123, 789, 'canonical'],
    ['[Sales Team #42-7] Quote for 40 laptops', 'Sales Team', 42, 7, 'canonical'],
    ['Re: [IT-Help_Desk 2 #5-6] VPN', 'IT-Help_Desk 2', 5, 6, 'canonical'],
    ['[Kundendienst Süd #5-6] Rechnung', 'Kundendienst Süd', 5, 6, 'canonical'],
    ['[ Support #123-789 ] Printer broken', 'Support', 123, 789, 'mangled'],
    ['[Support # 123 - 789] Printer broken', 'Support', 123, 789, 'mangled'],
    ['[Support  #123-789] Printer broken', 'Support', 123, 789, 'mangled'],
    ['[Sales  Team #42-7] Quote', 'Sales Team', 42, 7, 'mangled'],
    ['[Support\u00a0#123-789] Printer broken', 'Support', 123, 789, 'mangled'],
    ['[Support #0123-789] Printer broken', 'Support', 123, 789, 'mangled'],
    // The first valid tag wins; an invalid one before it is skipped.
    ['Re: [Support #123-790] Fwd: [Support #123-789] Printer', 'Support', 123, 790, 'canonical'],
    ['[Support #0-5] Re: [Support #123-789] Printer', 'Support', 123, 789, 'canonical'],
    ['Re: [Cookbook - Feature #2] [Support #7-8] Printer', 'Support', 7, 8, 'canonical'],
    ['[Support #999999999999999-1] Printer', 'Support', 999999999999999, 1, 'canonical'],
    // More reply/forward prefixes of common clients and languages.
    ['Fw: [Support #123-789] Printer broken', 'Support', 123, 789, 'canonical'],
    ['FWD: FW: [Support #123-789] Printer broken', 'Support', 123, 789, 'canonical'],
    ['Antwort: [Support #123-789] Drucker kaputt', 'Support', 123, 789, 'canonical'],
    ['Sv: Vs: [Support #123-789] Skrivaren', 'Support', 123, 789, 'canonical'],
    ['Rif: R: [Support #123-789] Stampante guasta', 'Support', 123, 789, 'canonical'],
    ['RES: ENC: [Support #123-789] Impressora quebrada', 'Support', 123, 789, 'canonical'],
    ['Doorst: [Support #123-789] Printer kapot', 'Support', 123, 789, 'canonical'],
    ['PD: [Support #123-789] Drukarka', 'Support', 123, 789, 'canonical'],
    ['Ответ: [Support #123-789] Принтер сломан', 'Support', 123, 789, 'canonical'],
    ['ΑΠ: [Support #123-789] Εκτυπωτής', 'Support', 123, 789, 'canonical'],
    ['תשובה: [Support #123-789] מדפסת', 'Support', 123, 789, 'canonical'],
    ['답장: 전달: [Support #123-789] 프린터 고장', 'Support', 123, 789, 'canonical'],
    ['返信: 転送: [Support #123-789] プリンター故障', 'Support', 123, 789, 'canonical'],
    ['Re：[Support #123-789] 全角コロン', 'Support', 123, 789, 'canonical'],
    ['Re: Re: Re: Re: Re: Re: Re: Re: [Support #123-789] Printer', 'Support', 123, 789, 'canonical'],
    ['Re:[Support #123-789]Printer (no spaces at all)', 'Support', 123, 789, 'canonical'],
    ['[EXTERNAL] RE: [Support #123-789] Printer', 'Support', 123, 789, 'canonical'],
    ['*** SPAM *** Re: [Support #123-789] Printer', 'Support', 123, 789, 'canonical'],
    ['Re: [Support #123-789] [Support #123-790] Printer (first wins)', 'Support', 123, 789, 'canonical'],
    // Clients that mangle the tag: tabs, no-break spaces, folding leftovers.
    ['Re: [\tSupport\t#123-789\t] Printer', 'Support', 123, 789, 'mangled'],
    ['Re: [Support #123 -789] Printer', 'Support', 123, 789, 'mangled'],
    ['Re: [support #123-789] Printer (tag word case kept)', 'support', 123, 789, 'canonical'],
    // The subject still RFC 2047-encoded (structured ingest, strict parsers on quoted words).
    [
      '=?UTF-8?B?5Zue5aSN77yaW1N1cHBvcnQgIzEyMy03ODldIOaJk+WNsOacuuWNoee6uA==?=',
      'Support',
      123,
      789,
      'canonical',
    ],
    ['=?ISO-8859-1?Q?AW:_[Support_#123-789]_Drucker_f=FCr_B=FCro?=', 'Support', 123, 789, 'canonical'],
    ['RE: =?utf-8?q?=5BSupport_=23123-789=5D_Caf=C3=A9?=', 'Support', 123, 789, 'canonical'],
    ['=?UTF-8?B?W1N1cHBvcnQgIzEyMy03ODldIOY=?= =?UTF-8?B?iZPljbDmnLo=?=', 'Support', 123, 789, 'canonical'],
    ['=?iso-2022-jp?B?GyRCSlY/LhsoQjogW1N1cHBvcnQgIzUtNl0gGyRCMHU6fhsoQg==?=', 'Support', 5, 6, 'canonical'],
    ['=?x-unknown?Q?Re:?= [Support #123-789] Printer', 'Support', 123, 789, 'canonical'],
  ] as const)('%j -> %s #%i-%i (%s)', (subject, workflowTag, ticketId, logId, form) => {
    expect(findSubjectTag(subject)).toEqual({ workflowTag, ticketId, logId, form });
  });

  it.each([
    'Re: [Cookbook - Feature #2] (New) Add ingredients categories', // corpus redmine-ticket_reply_with_status
    'Re: [eCookbook - Help board - msg2] Reply to the first post', // corpus redmine-message_reply_by_subject
    "re: [Discourse Meta] eviltrout posted in 'Adventure Time Sux'", // corpus discourse-empty
    'Re: update to issue 2', // corpus redmine-issue_update_with_cc
    'Die Hasen und   die Frösche (Microsoft Outlook 00)', // corpus mmp-m0001
    '[Support #123] Printer broken',
    '[Support 123-789] Printer broken',
    '[#123-789] Printer broken',
    '(Support #123-789) Printer broken',
    'Support #123-789 Printer broken',
    '[Support #123-789-5] Printer broken',
    '[Support #123-] Printer broken',
    '[Support #abc-789] Printer broken',
    '[Support #１２３-789] Printer broken',
    '[Support #0-789] Printer broken',
    '[Support #123-0] Printer broken',
    '[Support #1234567890123456-1] Printer broken',
    '[Sup]port #123-789]',
    '[Support: #123-789] Printer broken',
    // Other brackets and shapes that only look like ours.
    '[Support #123-789 urgent] Printer broken',
    '[Re: Support #123-789] Printer broken',
    '(Re: [Support #123-789 Printer broken)',
    '{Support #123-789} Printer broken',
    '【Support #123-789】 Printer broken',
    '<Support #123-789> Printer broken',
    '[Support #123-789) Printer broken',
    '[Support / #123-789] Printer broken',
    '[JIRA] (PROJ-123-789) Printer broken',
    'Re: [Support #123-789-] Printer',
    'Order [#123-789] shipped',
    '=?UTF-8?B?W1N1cHBvcnQgIzEyMy03ODld?', // an encoded word cut off: not decoded, not a tag
    '',
  ])('%j -> null', (subject) => {
    expect(findSubjectTag(subject)).toBeNull();
  });

  it.each([null, undefined])('%s -> null (message without Subject)', (subject) => {
    expect(findSubjectTag(subject)).toBeNull();
  });
});

describe('formatTaggedSubject', () => {
  const support = (ticketId: number, logId: number) => ({ workflowTag: 'Support', ticketId, logId });

  it.each([
    [support(123, 789), 'Printer broken', '[Support #123-789] Printer broken'],
    [
      support(123, 790),
      'RE: [Support #123-789] Printer on floor 3 is jammed',
      '[Support #123-790] RE: Printer on floor 3 is jammed',
    ],
    [
      support(123, 790),
      'AW: AW: [Support #123-789] Drucker im 3. Stock klemmt',
      '[Support #123-790] AW: AW: Drucker im 3. Stock klemmt',
    ],
    [
      support(123, 790),
      'Re: [Support#123-789] Printer on floor 3 is jammed',
      '[Support #123-790] Re: Printer on floor 3 is jammed',
    ],
    [support(123, 790), '回复：[Support #123-789] 打印机卡纸', '[Support #123-790] 回复： 打印机卡纸'],
    [support(123, 790), 'Printer broken [ Support #123-789 ]', '[Support #123-790] Printer broken'],
    [
      support(123, 790),
      'AW: [Support #123-789] AW: [Support # 123 - 788] Drucker',
      '[Support #123-790] AW: AW: Drucker',
    ],
    // A ticket moved to another type: the old type's tag goes as well.
    [support(123, 790), 'Re: [Sales Team #123-700] Quote', '[Support #123-790] Re: Quote'],
    // Foreign tags are the customer's text, not ours.
    [
      support(7, 8),
      'Re: [Cookbook - Feature #2] (New) Add ingredients categories',
      '[Support #7-8] Re: [Cookbook - Feature #2] (New) Add ingredients categories',
    ],
    [support(7, 8), '[Support #123] Printer', '[Support #7-8] [Support #123] Printer'],
    // Folding leftovers and CR/LF never reach the header (corpus imaptools-example14 has a tab).
    [support(7, 8), 'Re: TEST \tテストテスト', '[Support #7-8] Re: TEST テストテスト'],
    [support(7, 8), 'Printer\r\nBcc: victim@example.com', '[Support #7-8] Printer Bcc: victim@example.com'],
    [{ workflowTag: ' Sales  Team ', ticketId: 42, logId: 7 }, 'Quote', '[Sales Team #42-7] Quote'],
    // Empty subject: the tag alone, no trailing space.
    [support(123, 789), '', '[Support #123-789]'],
    [support(123, 789), '   ', '[Support #123-789]'],
    [support(123, 789), null, '[Support #123-789]'],
    [support(123, 789), undefined, '[Support #123-789]'],
    [support(123, 790), '[Support #123-789]', '[Support #123-790]'],
  ])('%j + %j -> %j', (tag, subject, expected) => {
    expect(formatTaggedSubject(tag, subject)).toBe(expected);
  });

  it.each([
    { workflowTag: '', ticketId: 1, logId: 1 },
    { workflowTag: '   ', ticketId: 1, logId: 1 },
    { workflowTag: 'Sup]port', ticketId: 1, logId: 1 },
    { workflowTag: 'Support #1', ticketId: 1, logId: 1 },
    { workflowTag: 'Support', ticketId: 0, logId: 1 },
    { workflowTag: 'Support', ticketId: -4, logId: 1 },
    { workflowTag: 'Support', ticketId: 1.5, logId: 1 },
    { workflowTag: 'Support', ticketId: Number.NaN, logId: 1 },
    { workflowTag: 'Support', ticketId: 1, logId: 2 ** 53 },
  ])('rejects %j, which could not be read back', (tag) => {
    expect(() => formatTaggedSubject(tag, 'Printer broken')).toThrow(RangeError);
  });

  it.each([
    [{ workflowTag: 'Support', ticketId: 123, logId: 789 }, 'Printer broken'],
    [{ workflowTag: 'Sales Team', ticketId: 1, logId: 999999999999999 }, 'Re: [Support #5-6] Quote'],
    [{ workflowTag: 'Kundendienst Süd', ticketId: 77, logId: 78 }, ''],
  ])('findSubjectTag reads back what formatTaggedSubject wrote: %j', (tag, subject) => {
    expect(findSubjectTag(`Re: ${formatTaggedSubject(tag, subject)}`)).toEqual({ ...tag, form: 'canonical' });
  });
});
