import { describe, it } from 'vitest';

import { b64, bytesIn, expectInspection, message, multipart, type Case } from './synthetic-message';

const TEXT = ['Content-Type: text/plain; charset=utf-8'];
const withFile = (headers: Array<string | Buffer>, body = 'eA=='): Buffer =>
  message(
    ['Content-Type: multipart/mixed; boundary="e"'],
    multipart('e', [
      { headers: TEXT, body: 'Body text.' },
      { headers, body },
    ]),
  );

const cases: Case[] = [
  // RFC 5322 appendix A.5/A.6 and obsolete forms (category obsolete-syntax).
  {
    situation: 'From with comments inside the address (RFC 5322 A.5)',
    raw: message(['From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>']),
    expected: { from_address: 'pete@silly.test' },
  },
  {
    situation: 'From with an obsolete route (RFC 5322 A.6.1 style)',
    raw: message(['From: Mary Smith <@node.test:mary@example.net>']),
    expected: { from_address: 'mary@example.net' },
  },
  {
    situation: 'From with a quoted local part containing a space',
    raw: message(['From: "Joe Q. Public" <"joe public"@example.com>']),
    expected: { from_address: '"joe public"@example.com' },
  },
  {
    situation: 'From with obsolete white space around the dots and at-sign',
    raw: message(['From: John Doe <jdoe @ machine . example>']),
    expected: { from_address: 'jdoe@machine.example' },
  },
  {
    situation: 'From with the phrase written as dotted words (obs-phrase)',
    raw: message(['From: Joe Q. Public <john.q.public@example.com>']),
    expected: { from_address: 'john.q.public@example.com' },
  },
  {
    situation: 'Message-ID with obsolete comments and white space inside',
    raw: message(['Message-ID: <1234   @   local(blah)  .machine .example>']),
    expected: { message_id: '1234@local.machine.example' },
  },
  {
    situation: 'References with 1,000 ids and an In-Reply-To',
    raw: message([
      `References: ${Array.from({ length: 1000 }, (_, index) => `<ref${index}@example.com>`).join('\r\n ')}`,
      'In-Reply-To: <ref999@example.com>',
    ]),
    expected: { in_reply_to: 'ref999@example.com' },
  },
  {
    situation: '500 Received headers before the rest (huge header)',
    raw: message([
      ...Array.from(
        { length: 500 },
        (_, index) =>
          `Received: from relay${index}.example.com by mx.example.com;\r\n\tTue, 14 May 2024 09:12:40 +0200`,
      ),
      'Subject: After many hops',
    ]),
    expected: { subject: 'After many hops', from_address: 'alice@example.com', text_contains: ['Hello.'] },
  },
  {
    situation: 'a single 200 KB header line',
    raw: message([`X-Junk: ${'x'.repeat(200_000)}`, 'Subject: Survives a huge line']),
    expected: { subject: 'Survives a huge line', text_contains: ['Hello.'] },
  },
  {
    situation: 'header block only, no blank line and no body',
    raw: Buffer.from('From: alice@example.com\r\nSubject: Headers only\r\nMessage-ID: <h@example.com>\r\n'),
    expected: { subject: 'Headers only', from_address: 'alice@example.com', message_id: 'h@example.com' },
  },
  {
    situation: 'no header at all, only a body after a blank line',
    raw: Buffer.from('\r\nJust a body without headers.\r\n'),
    expected: {
      subject: null,
      from_address: null,
      message_id: null,
      text_contains: ['Just a body without headers.'],
    },
  },
  {
    situation: 'mbox From_ line before the headers',
    raw: Buffer.concat([
      Buffer.from('From alice@example.com Tue May 14 09:12:40 2024\r\n'),
      message(['Subject: After an mbox line']),
    ]),
    expected: { subject: 'After an mbox line', from_address: 'alice@example.com' },
  },
  {
    situation: 'From: MAILER-DAEMON with Return-Path <> (null sender)',
    raw: message(['Return-Path: <>', 'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>']),
    expected: { from_address: 'mailer-daemon@mx.example.com', is_auto_reply: true },
  },
  {
    situation: 'To display name with raw 8-bit ISO-8859-1',
    raw: message([
      Buffer.concat([
        Buffer.from('To: '),
        bytesIn('Müller', 'iso-8859-1'),
        Buffer.from(' <mueller@example.com>, b@example.com'),
      ]),
      'Content-Type: text/plain; charset=iso-8859-1',
    ]),
    expected: { to_cc_addresses: ['mueller@example.com', 'b@example.com'] },
  },
  {
    situation: 'To with an IDN domain in raw UTF-8',
    raw: message([Buffer.from('To: Jörg <joerg@bücher.example>', 'utf8')]),
    expected: { to_cc_addresses: ['joerg@bücher.example'] },
  },
  {
    situation: 'RFC 2231 filename with an empty charset',
    raw: withFile([
      'Content-Type: application/pdf',
      "Content-Disposition: attachment; filename*=''plain%20name.pdf",
    ]),
    expected: { attachment_filenames: ['plain name.pdf'] },
  },
  {
    situation: 'RFC 2231 filename* and plain filename both present: the RFC 2231 one wins',
    raw: withFile([
      'Content-Type: application/pdf',
      'Content-Disposition: attachment; filename="fallback.pdf"; filename*=UTF-8\'\'Pr%C3%BCfung.pdf',
    ]),
    expected: { attachment_filenames: ['Prüfung.pdf'] },
  },
  {
    situation: 'RFC 2231 name* in Content-Type only',
    raw: withFile(["Content-Type: application/pdf; name*=UTF-8''%E6%8A%A5%E5%91%8A.pdf"]),
    expected: { attachment_filenames: ['报告.pdf'] },
  },
  {
    situation: 'unquoted filename with spaces',
    raw: withFile([
      'Content-Type: application/pdf',
      'Content-Disposition: attachment; filename=my report 2024.pdf',
    ]),
    expected: { attachment_filenames: ['my report 2024.pdf'] },
  },
  {
    situation: 'filename with an escaped quote',
    raw: withFile([
      'Content-Type: application/pdf',
      'Content-Disposition: attachment; filename="say \\"hi\\".pdf"',
    ]),
    expected: { attachment_filenames: ['say "hi".pdf'] },
  },
  {
    situation: 'RFC 2047 filename in ISO-8859-1 Q form',
    raw: withFile([
      'Content-Type: application/pdf',
      'Content-Disposition: attachment; filename="=?ISO-8859-1?Q?R=E9sum=E9=2Epdf?="',
    ]),
    expected: { attachment_filenames: ['Résumé.pdf'] },
  },
  {
    situation: 'RFC 2047 filename unquoted',
    raw: withFile([`Content-Type: application/pdf; name==?UTF-8?B?${b64('Größe.pdf')}?=`]),
    expected: { attachment_filenames: ['Größe.pdf'] },
  },
  {
    situation: 'raw Shift_JIS filename with the charset on the text part',
    raw: message(
      ['Content-Type: multipart/mixed; boundary="e"'],
      multipart('e', [
        { headers: ['Content-Type: text/plain; charset=shift_jis'], body: bytesIn('本文', 'shift_jis') },
        {
          headers: [
            Buffer.concat([
              Buffer.from('Content-Type: application/pdf; name="'),
              bytesIn('見積書.pdf', 'shift_jis'),
              Buffer.from('"'),
            ]),
          ],
          body: 'x',
        },
      ]),
    ),
    expected: { attachment_filenames: ['見積書.pdf'] },
  },
  {
    situation: 'forwarded message/rfc822 with Content-Disposition inline counts once',
    raw: withFile(
      ['Content-Type: message/rfc822', 'Content-Disposition: inline'],
      'From: carol@example.com\r\nSubject: Inner\r\n\r\nInner body.',
    ),
    expected: { attachment_count: 1, attachment_filenames: [null] },
  },
  {
    situation: 'forwarded .eml sent as application/octet-stream counts once',
    raw: withFile(
      [
        'Content-Type: application/octet-stream; name="fwd.eml"',
        'Content-Disposition: attachment; filename="fwd.eml"',
      ],
      'From: carol@example.com\r\n\r\nx',
    ),
    expected: { attachment_count: 1, attachment_filenames: ['fwd.eml'] },
  },
  {
    situation: 'S/MIME signature as application/x-pkcs7-signature counted',
    raw: message(
      ['Content-Type: multipart/signed; protocol="application/x-pkcs7-signature"; boundary="s"'],
      multipart('s', [
        { headers: TEXT, body: 'Signed.' },
        {
          headers: [
            'Content-Type: application/x-pkcs7-signature; name="smime.p7s"',
            'Content-Transfer-Encoding: base64',
          ],
          body: 'MIAG',
        },
      ]),
    ),
    expected: { attachment_count: 1, attachment_filenames: ['smime.p7s'], text_contains: ['Signed.'] },
  },
  {
    situation: 'TNEF as application/vnd.ms-tnef counted',
    raw: withFile(
      ['Content-Type: application/vnd.ms-tnef; name="winmail.dat"', 'Content-Transfer-Encoding: base64'],
      'eJ8+IgAA',
    ),
    expected: { attachment_count: 1, attachment_filenames: ['winmail.dat'] },
  },
  {
    situation: 'multipart/related root HTML with an image that has only a Content-Location',
    raw: message(
      ['Content-Type: multipart/related; boundary="r"'],
      multipart('r', [
        { headers: ['Content-Type: text/html; charset=utf-8'], body: '<p>See <img src="logo.gif"></p>' },
        {
          headers: [
            'Content-Type: image/gif',
            'Content-Location: logo.gif',
            'Content-Transfer-Encoding: base64',
          ],
          body: 'R0lGODlh',
        },
      ]),
    ),
    expected: { attachment_count: 1, attachment_filenames: [null], text_contains: ['See'] },
  },
  {
    situation: 'Outlook reply: HTML with Word markup and a From/Sent block',
    raw: message(
      [
        'Content-Type: text/html; charset=windows-1252',
        'Thread-Index: AdQx',
        'X-MS-Has-Attach:',
        'X-MS-TNEF-Correlator:',
      ],
      Buffer.concat([
        Buffer.from(
          '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{margin:0}</style></head><body><p class=MsoNormal>Danke f',
        ),
        bytesIn('ü', 'windows-1252'),
        Buffer.from('r die Info<o:p></o:p></p><div><p><b>From:</b> Bob</p></div></body></html>'),
      ]),
    ),
    expected: { text_contains: ['Danke für die Info', 'From: Bob'], text_lacks: ['MsoNormal'] },
  },
  {
    situation: 'CR-only line ends (old Mac mailers)',
    raw: Buffer.from(
      'From: alice@example.com\rSubject: CR only\rMessage-ID: <cr@example.com>\r\rBody with CR line ends.\r',
    ),
    expected: {
      from_address: 'alice@example.com',
      subject: 'CR only',
      message_id: 'cr@example.com',
      text_contains: ['Body with CR line ends.'],
    },
  },
  {
    situation: 'LF and CRLF mixed in one message',
    raw: Buffer.from(
      'From: alice@example.com\nSubject: mixed\r\nContent-Type: multipart/mixed; boundary=z\n\n--z\r\nContent-Type: text/plain\n\nMixed line ends.\n--z\nContent-Type: application/pdf; name=m.pdf\r\n\r\nx\r\n--z--\n',
    ),
    expected: { subject: 'mixed', attachment_filenames: ['m.pdf'], text_contains: ['Mixed line ends.'] },
  },
  {
    situation: 'body part without the blank line after its headers',
    raw: message(
      ['Content-Type: multipart/mixed; boundary="q"'],
      '--q\r\nContent-Type: text/plain\r\nBody right after the header.\r\n--q\r\nContent-Type: application/pdf; name="p.pdf"\r\n\r\nx\r\n--q--\r\n',
    ),
    expected: { attachment_filenames: ['p.pdf'], text_contains: ['Body right after the header.'] },
  },
  {
    situation: 'raw UTF-8 subject with one stray ISO-8859-1 byte',
    raw: message([
      Buffer.concat([Buffer.from('Subject: Grüße von ', 'utf8'), Buffer.from([0xc9]), Buffer.from('mile')]),
    ]),
    expected: { subject: 'Grüße von Émile' },
  },
  {
    situation: 'encoded-word labelled UTF-8 holding ISO-8859-1 bytes',
    raw: message(['Subject: =?utf-8?Q?Caf=E9_cr=E8me?=']),
    expected: { subject: 'Café crème' },
  },
  {
    situation: 'ISO-2022-JP subject in several self-contained encoded-words',
    raw: message([
      `Subject: =?ISO-2022-JP?B?${bytesIn('日本語の', 'iso-2022-jp').toString('base64')}?=\r\n =?ISO-2022-JP?B?${bytesIn('件名です', 'iso-2022-jp').toString('base64')}?=`,
    ]),
    expected: { subject: '日本語の件名です' },
  },
  {
    situation: 'multipart without MIME-Version is still read as multipart',
    raw: message(
      ['Content-Type: multipart/mixed; boundary="q"'],
      multipart('q', [
        { headers: ['Content-Type: text/plain'], body: 'Part text.' },
        { headers: ['Content-Type: application/pdf; name="a.pdf"'], body: 'x' },
      ]),
      { omit: ['MIME-Version'] },
    ),
    expected: { attachment_filenames: ['a.pdf'], text_contains: ['Part text.'] },
  },
  {
    situation: 'text/enriched part counts as a file (not text/plain or text/html)',
    raw: message(
      ['Content-Type: multipart/mixed; boundary="q"'],
      multipart('q', [
        { headers: TEXT, body: 'Plain.' },
        { headers: ['Content-Type: text/enriched'], body: '<bold>Rich</bold>' },
      ]),
    ),
    expected: { attachment_count: 1, attachment_filenames: [null] },
  },
  {
    situation: 'HTML-only body next to a file in multipart/mixed',
    raw: message(
      ['Content-Type: multipart/mixed; boundary="q"'],
      multipart('q', [
        { headers: ['Content-Type: text/html; charset=utf-8'], body: '<div>Html <b>mixed</b> body</div>' },
        { headers: ['Content-Type: application/pdf; name="a.pdf"'], body: 'x' },
      ]),
    ),
    expected: { attachment_filenames: ['a.pdf'], text_contains: ['Html mixed body'] },
  },
  {
    situation: 'encoded-word as the name of a To group',
    raw: message([
      'To: =?UTF-8?Q?Gr=C3=BCppe?=: a@example.com, b@example.com;',
      'Cc: undisclosed-recipients:;',
    ]),
    expected: { to_cc_addresses: ['a@example.com', 'b@example.com'] },
  },
];

describe('inspectMessage on the edges of the corpus categories', () => {
  it.each(cases.map((entry) => [entry.situation, entry] as const))('%s', async (_situation, entry) => {
    await expectInspection(entry.raw, entry.expected);
  });
});
