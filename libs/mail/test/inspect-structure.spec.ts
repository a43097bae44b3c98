import { describe, it } from 'vitest';

import { b64, bytesIn, expectInspection, message, multipart, type Case } from './synthetic-message';

const TEXT = ['Content-Type: text/plain; charset=utf-8'];
const mixed = (boundary = 'b1'): string => `Content-Type: multipart/mixed; boundary="${boundary}"`;
const pdf = (disposition: string): string[] => [
  'Content-Type: application/pdf',
  `Content-Disposition: ${disposition}`,
  'Content-Transfer-Encoding: base64',
];
const PDF_BODY = Buffer.from('%PDF-1.4 synthetic').toString('base64');

/** A multipart/mixed message: a text part, then the given parts. */
const withParts = (
  parts: Array<{ headers: string[] | Buffer[]; body: string | Buffer }>,
  boundary = 'b1',
): Buffer =>
  message([mixed(boundary)], multipart(boundary, [{ headers: TEXT, body: 'See the attachment.' }, ...parts]));

const file = (disposition: string): { headers: string[]; body: string } => ({
  headers: pdf(disposition),
  body: PDF_BODY,
});

const line = (text: string, value: Buffer, rest = ''): Buffer =>
  Buffer.concat([Buffer.from(text, 'latin1'), value, Buffer.from(rest, 'latin1')]);

const cases: Case[] = [
  {
    situation: 'nested multiparts: mixed > alternative > related with an inline image, plus a file',
    raw: message(
      [mixed('outer')],
      multipart('outer', [
        {
          headers: ['Content-Type: multipart/alternative; boundary="alt"'],
          body: multipart('alt', [
            { headers: TEXT, body: 'Plain version of the note.' },
            {
              headers: ['Content-Type: multipart/related; boundary="rel"'],
              body: multipart('rel', [
                {
                  headers: ['Content-Type: text/html; charset=utf-8'],
                  body: '<p>HTML <img src="cid:logo@x"></p>',
                },
                {
                  headers: [
                    'Content-Type: image/png; name="logo.png"',
                    'Content-ID: <logo@x>',
                    'Content-Transfer-Encoding: base64',
                  ],
                  body: 'iVBORw0KGgo=',
                },
              ]),
            },
          ]),
        },
        file('attachment; filename="report.pdf"'),
      ]),
    ),
    expected: {
      attachment_count: 2,
      attachment_filenames: ['logo.png', 'report.pdf'],
      text_contains: ['Plain version of the note.'],
    },
  },
  {
    situation: 'multipart/alternative with only an HTML part',
    raw: message(
      ['Content-Type: multipart/alternative; boundary="alt"'],
      multipart('alt', [
        { headers: ['Content-Type: text/html; charset=utf-8'], body: '<p>Only <b>HTML</b> here.</p>' },
      ]),
    ),
    expected: { attachment_count: 0, text_contains: ['Only HTML here.'], text_lacks: ['<b>'] },
  },
  {
    situation: 'boundary unquoted',
    raw: message(
      ['Content-Type: multipart/mixed; boundary=simple-boundary'],
      multipart('simple-boundary', [
        { headers: TEXT, body: 'Unquoted boundary body.' },
        file('attachment; filename=a.pdf'),
      ]),
    ),
    expected: {
      attachment_count: 1,
      attachment_filenames: ['a.pdf'],
      text_contains: ['Unquoted boundary body.'],
    },
  },
  {
    situation: 'boundary with characters that need quoting',
    raw: message(
      ['Content-Type: multipart/mixed; boundary="=_Part 1:2?x"'],
      multipart('=_Part 1:2?x', [
        { headers: TEXT, body: 'Quoted boundary body.' },
        file('attachment; filename=a.pdf'),
      ]),
    ),
    expected: { attachment_count: 1, text_contains: ['Quoted boundary body.'] },
  },
  {
    situation: 'boundary delimiter lines with trailing spaces',
    raw: message(
      [mixed('tb')],
      Buffer.from(
        `--tb  \r\nContent-Type: text/plain\r\n\r\nTrailing space body.\r\n--tb\t\r\n${pdf('attachment; filename=t.pdf').join('\r\n')}\r\n\r\n${PDF_BODY}\r\n--tb-- \r\n`,
      ),
    ),
    expected: {
      attachment_count: 1,
      attachment_filenames: ['t.pdf'],
      text_contains: ['Trailing space body.'],
    },
  },
  {
    situation: 'boundary parameter on a folded Content-Type line',
    raw: message(
      ['Content-Type: multipart/mixed;\r\n\tboundary="folded"'],
      multipart('folded', [
        { headers: TEXT, body: 'Folded boundary body.' },
        file('attachment; filename=f.pdf'),
      ]),
    ),
    expected: { attachment_count: 1, text_contains: ['Folded boundary body.'] },
  },
  {
    situation: 'missing final boundary (truncated message)',
    raw: message(
      [mixed('open')],
      multipart(
        'open',
        [{ headers: TEXT, body: 'Body before the cut.' }, file('attachment; filename=cut.pdf')],
        { open: true },
      ),
    ),
    expected: {
      attachment_count: 1,
      attachment_filenames: ['cut.pdf'],
      text_contains: ['Body before the cut.'],
    },
  },
  {
    situation: 'preamble and epilogue text are not body',
    raw: message(
      [mixed('pe')],
      multipart('pe', [{ headers: TEXT, body: 'The real body.' }], {
        preamble: 'This is a multi-part message in MIME format.',
        epilogue: 'Epilogue junk.',
      }),
    ),
    expected: {
      attachment_count: 0,
      text_contains: ['The real body.'],
      text_lacks: ['multi-part message in MIME format', 'Epilogue junk'],
    },
  },
  {
    situation: 'multipart without a boundary parameter is read as body',
    raw: message(['Content-Type: multipart/mixed'], 'No boundary here, just text.\r\n'),
    expected: { attachment_count: 0, text_contains: ['No boundary here, just text.'] },
  },
  {
    situation: 'multipart whose boundary never occurs is read as body',
    raw: message([mixed('never')], 'Text without any delimiter line.\r\n'),
    expected: { attachment_count: 0, text_contains: ['Text without any delimiter line.'] },
  },
  {
    situation: 'base64 part with bad padding and a line break inside a quantum',
    raw: message(
      ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'],
      `${b64('Grüße aus Köln, bitte prüfen.').slice(0, 10)}\r\n${b64('Grüße aus Köln, bitte prüfen.').slice(10).replace(/=+$/, '')}\r\n`,
    ),
    expected: { text_contains: ['Grüße aus Köln, bitte prüfen.'] },
  },
  {
    situation: 'base64 part with garbage characters between the lines',
    raw: message(
      ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'],
      `${b64('Hello from base64 land.')}\r\n!!\r\n`,
    ),
    expected: { text_contains: ['Hello from base64 land.'] },
  },
  {
    situation: 'quoted-printable soft line break at the very end',
    raw: message(
      ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'],
      'Gr=C3=BC=C3=9Fe aus K=C3=B6ln, soft at the end=',
    ),
    expected: { text_contains: ['Grüße aus Köln, soft at the end'], text_lacks: ['='] },
  },
  {
    situation: 'quoted-printable with a lone = and lower-case hex',
    raw: message(
      ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'],
      'Price = 5, caf=c3=a9 ok\r\n',
    ),
    expected: { text_contains: ['Price = 5, café ok'] },
  },
  {
    situation: 'Content-Transfer-Encoding 8bit with raw UTF-8 body',
    raw: message(
      ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'],
      Buffer.from('Grüße aus Köln.\r\n', 'utf8'),
    ),
    expected: { text_contains: ['Grüße aus Köln.'] },
  },
  {
    situation: 'Content-Transfer-Encoding 8bit with a binary attachment',
    raw: withParts([
      {
        headers: [
          'Content-Type: application/octet-stream; name="blob.bin"',
          'Content-Transfer-Encoding: 8bit',
        ],
        body: Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0x80]),
      },
    ]),
    expected: {
      attachment_count: 1,
      attachment_filenames: ['blob.bin'],
      text_contains: ['See the attachment.'],
    },
  },
  {
    situation: 'unknown Content-Transfer-Encoding is read as 8bit',
    raw: message(
      ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: x-uuencode-ish'],
      'Readable anyway.\r\n',
    ),
    expected: { text_contains: ['Readable anyway.'] },
  },
  {
    situation: 'Content-Type missing: text/plain us-ascii',
    raw: message([], 'No content type at all.\r\n', { omit: ['MIME-Version'] }),
    expected: { attachment_count: 0, text_contains: ['No content type at all.'] },
  },
  {
    situation: 'Content-Type garbled as a bare "text"',
    raw: message(['Content-Type: text'], 'Bare text type.\r\n'),
    expected: { attachment_count: 0, text_contains: ['Bare text type.'] },
  },
  {
    situation: 'Content-Type text/plain;;charset= (empty parameters)',
    raw: message(
      ['Content-Type: text/plain;;charset='],
      Buffer.from('Empty charset, UTF-8 bytes: Grüße.\r\n', 'utf8'),
    ),
    expected: { attachment_count: 0, text_contains: ['Empty charset, UTF-8 bytes: Grüße.'] },
  },
  {
    situation: 'Content-Type in upper case with a comment',
    raw: message(
      ['Content-Type: TEXT/PLAIN (plain text); CHARSET="ISO-8859-1"'],
      bytesIn('Upper case type, café.\r\n', 'iso-8859-1'),
    ),
    expected: { attachment_count: 0, text_contains: ['Upper case type, café.'] },
  },
  {
    situation: 'RFC 2231 filename with charset and language',
    raw: withParts([file("attachment; filename*=UTF-8'de'Pr%C3%BCfbericht%202024.pdf")]),
    expected: { attachment_filenames: ['Prüfbericht 2024.pdf'] },
  },
  {
    situation: 'RFC 2231 filename continuations, encoded and plain sections mixed',
    raw: withParts([
      file(
        'attachment;\r\n filename*0*=UTF-8\'\'Gr%C3%BC%C3%9Fe%20;\r\n filename*1*=aus%20K%C3%B6ln;\r\n filename*2=".pdf"',
      ),
    ]),
    expected: { attachment_filenames: ['Grüße aus Köln.pdf'] },
  },
  {
    situation: 'RFC 2231 continuations given out of order',
    raw: withParts([file('attachment; filename*1="part-two.pdf"; filename*0="part-one-"')]),
    expected: { attachment_filenames: ['part-one-part-two.pdf'] },
  },
  {
    situation: 'RFC 2231 filename in ISO-8859-1',
    raw: withParts([file("attachment; filename*=iso-8859-1''R%E9sum%E9.pdf")]),
    expected: { attachment_filenames: ['Résumé.pdf'] },
  },
  {
    situation: 'RFC 2231 multi-byte character split across continuations',
    raw: withParts([file("attachment; filename*0*=UTF-8''%E6%97%A5%E6; filename*1*=%9C%AC.pdf")]),
    expected: { attachment_filenames: ['日本.pdf'] },
  },
  {
    situation: 'RFC 2047 encoded-word inside a quoted filename',
    raw: withParts([file('attachment; filename="=?UTF-8?B?' + b64('Prüfbericht.pdf') + '?="')]),
    expected: { attachment_filenames: ['Prüfbericht.pdf'] },
  },
  {
    situation: 'RFC 2047 filename split into two encoded-words',
    raw: withParts([file('attachment;\r\n filename="=?UTF-8?Q?Pr=C3=BCf?=\r\n =?UTF-8?Q?bericht.pdf?="')]),
    expected: { attachment_filenames: ['Prüfbericht.pdf'] },
  },
  {
    situation: 'RFC 2047 filename in Shift_JIS',
    raw: withParts([file(`attachment; filename="=?shift_jis?B?${b64('見積書.pdf', 'shift_jis')}?="`)]),
    expected: { attachment_filenames: ['見積書.pdf'] },
  },
  {
    situation: 'RFC 2047 filename in GB2312 only in the Content-Type name',
    raw: withParts([
      {
        headers: [
          `Content-Type: application/pdf; name="=?gb2312?B?${b64('报告.pdf', 'gb2312')}?="`,
          'Content-Transfer-Encoding: base64',
        ],
        body: PDF_BODY,
      },
    ]),
    expected: { attachment_filenames: ['报告.pdf'] },
  },
  {
    situation: 'raw UTF-8 filename',
    raw: withParts([
      {
        headers: [
          line('Content-Type: application/pdf; name="', Buffer.from('Prüfbericht.pdf', 'utf8'), '"'),
          Buffer.from('Content-Transfer-Encoding: base64'),
        ],
        body: PDF_BODY,
      },
    ]),
    expected: { attachment_filenames: ['Prüfbericht.pdf'] },
  },
  {
    situation: 'raw ISO-8859-1 filename with the charset declared on the text part',
    raw: message(
      [mixed('b1')],
      multipart('b1', [
        { headers: ['Content-Type: text/plain; charset=iso-8859-1'], body: 'See file.' },
        {
          headers: [
            line('Content-Disposition: attachment; filename="', bytesIn('Résumé.pdf', 'iso-8859-1'), '"'),
            Buffer.from('Content-Type: application/pdf'),
          ],
          body: 'x',
        },
      ]),
    ),
    expected: { attachment_filenames: ['Résumé.pdf'] },
  },
  {
    situation: 'filename= in Content-Disposition wins over name= in Content-Type',
    raw: withParts([
      {
        headers: [
          'Content-Type: application/pdf; name="type-name.pdf"',
          'Content-Disposition: attachment; filename="disposition-name.pdf"',
        ],
        body: 'x',
      },
    ]),
    expected: { attachment_filenames: ['disposition-name.pdf'] },
  },
  {
    situation: 'filename only in the Content-Type name parameter',
    raw: withParts([{ headers: ['Content-Type: application/pdf; name="only-type.pdf"'], body: 'x' }]),
    expected: { attachment_count: 1, attachment_filenames: ['only-type.pdf'] },
  },
  {
    situation: 'attachment without any name',
    raw: withParts([
      { headers: ['Content-Type: application/octet-stream', 'Content-Disposition: attachment'], body: 'x' },
    ]),
    expected: { attachment_count: 1, attachment_filenames: [null] },
  },
  {
    situation: 'filename with a path is kept as written',
    raw: withParts([file('attachment; filename="C:\\\\Users\\\\me\\\\report.pdf"')]),
    expected: { attachment_filenames: ['C:\\Users\\me\\report.pdf'] },
  },
  {
    situation: 'PDF with Content-Disposition inline still counts',
    raw: withParts([file('inline; filename="inline.pdf"')]),
    expected: { attachment_count: 1, attachment_filenames: ['inline.pdf'] },
  },
  {
    situation: 'text/plain with Content-Disposition inline and a name is body, not a file',
    raw: withParts([
      {
        headers: [
          'Content-Type: text/plain; charset=utf-8',
          'Content-Disposition: inline; filename="notes.txt"',
        ],
        body: 'Inline notes text.',
      },
    ]),
    expected: { attachment_count: 0, attachment_filenames: [], text_contains: ['Inline notes text.'] },
  },
  {
    situation: 'text/plain with Content-Disposition attachment counts',
    raw: withParts([
      {
        headers: [
          'Content-Type: text/plain; charset=utf-8',
          'Content-Disposition: attachment; filename="log.txt"',
        ],
        body: 'log line',
      },
    ]),
    expected: { attachment_count: 1, attachment_filenames: ['log.txt'], text_lacks: ['log line'] },
  },
  {
    situation: 'text/html with Content-Disposition attachment counts',
    raw: withParts([
      {
        headers: [
          'Content-Type: text/html; charset=utf-8',
          'Content-Disposition: attachment; filename="page.html"',
        ],
        body: '<p>attached page</p>',
      },
    ]),
    expected: { attachment_count: 1, attachment_filenames: ['page.html'] },
  },
  {
    situation: 'text/plain with a name but no disposition is body',
    raw: withParts([
      { headers: ['Content-Type: text/plain; charset=utf-8; name="readme.txt"'], body: 'Named text part.' },
    ]),
    expected: { attachment_count: 0, text_contains: ['Named text part.'] },
  },
  {
    situation: 'text/csv without a disposition counts (not text/plain or text/html)',
    raw: withParts([{ headers: ['Content-Type: text/csv; name="data.csv"'], body: 'a,b\r\n1,2' }]),
    expected: { attachment_count: 1, attachment_filenames: ['data.csv'] },
  },
  {
    situation: 'inline image with Content-ID in multipart/related counts',
    raw: message(
      ['Content-Type: multipart/related; boundary="rel"'],
      multipart('rel', [
        { headers: ['Content-Type: text/html; charset=utf-8'], body: '<p>Look: <img src="cid:img1@x"></p>' },
        {
          headers: [
            'Content-Type: image/jpeg',
            'Content-ID: <img1@x>',
            'Content-Disposition: inline',
            'Content-Transfer-Encoding: base64',
          ],
          body: '/9j/4AAQ',
        },
      ]),
    ),
    expected: { attachment_count: 1, attachment_filenames: [null], text_contains: ['Look:'] },
  },
  {
    situation: 'message/rfc822 forward counts once, its own attachment not separately',
    raw: withParts([
      {
        headers: [
          'Content-Type: message/rfc822; name="forwarded.eml"',
          'Content-Disposition: attachment; filename="forwarded.eml"',
        ],
        body: message(
          ['From: carol@example.com', 'Subject: Inner', mixed('inner')],
          multipart('inner', [
            { headers: TEXT, body: 'Inner body.' },
            file('attachment; filename="inner.pdf"'),
          ]),
        ),
      },
    ]),
    expected: {
      attachment_count: 1,
      attachment_filenames: ['forwarded.eml'],
      from_address: 'alice@example.com',
      subject: 'Synthetic case',
    },
  },
  {
    situation: 'message/rfc822 forward without a filename counts once with no name',
    raw: withParts([
      {
        headers: ['Content-Type: message/rfc822'],
        body: message(['From: carol@example.com', 'Subject: Inner subject'], 'Inner body.\r\n'),
      },
    ]),
    expected: { attachment_count: 1, attachment_filenames: [null] },
  },
  {
    situation: 'delivery report: message/delivery-status not counted, text/rfc822-headers counted',
    raw: message(
      [
        'From: MAILER-DAEMON@example.com',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="rep"',
      ],
      multipart('rep', [
        { headers: TEXT, body: 'Delivery to bob@example.com failed.' },
        {
          headers: ['Content-Type: message/delivery-status'],
          body: 'Reporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; bob@example.com\r\nAction: failed\r\nStatus: 5.1.1',
        },
        { headers: ['Content-Type: text/rfc822-headers'], body: 'From: alice@example.com\r\nSubject: hi' },
      ]),
    ),
    expected: {
      is_bounce: true,
      attachment_count: 1,
      attachment_filenames: [null],
      text_contains: ['Delivery to bob@example.com failed.'],
    },
  },
  {
    situation: 'multipart/report of another report-type is not a bounce',
    raw: message(
      ['Content-Type: multipart/report; report-type=disposition-notification; boundary="mdn"'],
      multipart('mdn', [
        { headers: TEXT, body: 'Your message was displayed.' },
        {
          headers: ['Content-Type: message/disposition-notification'],
          body: 'Disposition: manual-action/MDN-sent-manually; displayed',
        },
      ]),
    ),
    expected: { is_bounce: false, attachment_count: 1 },
  },
  {
    situation: 'PGP/MIME signed: application/pgp-signature counted',
    raw: message(
      [
        'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="sig"',
      ],
      multipart('sig', [
        { headers: TEXT, body: 'Signed text.' },
        {
          headers: ['Content-Type: application/pgp-signature; name="signature.asc"'],
          body: '-----BEGIN PGP SIGNATURE-----\r\nxx\r\n-----END PGP SIGNATURE-----',
        },
      ]),
    ),
    expected: {
      attachment_count: 1,
      attachment_filenames: ['signature.asc'],
      text_contains: ['Signed text.'],
    },
  },
  {
    situation: 'S/MIME signed: application/pkcs7-signature counted',
    raw: message(
      [
        'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="smime"',
      ],
      multipart('smime', [
        { headers: TEXT, body: 'S/MIME signed text.' },
        {
          headers: [
            'Content-Type: application/pkcs7-signature; name="smime.p7s"',
            'Content-Disposition: attachment; filename="smime.p7s"',
            'Content-Transfer-Encoding: base64',
          ],
          body: 'MIAGCSqGSIb3DQEHAqCAMIACAQEx',
        },
      ]),
    ),
    expected: {
      attachment_count: 1,
      attachment_filenames: ['smime.p7s'],
      text_contains: ['S/MIME signed text.'],
    },
  },
  {
    situation: 'S/MIME opaque: the whole body is one application/pkcs7-mime file',
    raw: message(
      [
        'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
        'Content-Disposition: attachment; filename="smime.p7m"',
        'Content-Transfer-Encoding: base64',
      ],
      'MIAGCSqGSIb3DQEHA6CAMIACAQAx\r\n',
    ),
    expected: { attachment_count: 1, attachment_filenames: ['smime.p7m'] },
  },
  {
    situation: 'calendar invite: text/calendar in alternative counted',
    raw: message(
      ['Content-Type: multipart/alternative; boundary="cal"'],
      multipart('cal', [
        { headers: TEXT, body: 'You are invited to the review.' },
        {
          headers: ['Content-Type: text/calendar; charset=utf-8; method=REQUEST'],
          body: 'BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR',
        },
      ]),
    ),
    expected: {
      attachment_count: 1,
      attachment_filenames: [null],
      text_contains: ['You are invited to the review.'],
      text_lacks: ['BEGIN:VCALENDAR'],
    },
  },
  {
    situation: 'calendar invite: text/calendar plus an .ics attachment both counted',
    raw: message(
      [mixed('m')],
      multipart('m', [
        {
          headers: ['Content-Type: multipart/alternative; boundary="cal"'],
          body: multipart('cal', [
            { headers: TEXT, body: 'Invite.' },
            {
              headers: ['Content-Type: text/calendar; method=REQUEST'],
              body: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR',
            },
          ]),
        },
        {
          headers: [
            'Content-Type: application/ics; name="invite.ics"',
            'Content-Disposition: attachment; filename="invite.ics"',
          ],
          body: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR',
        },
      ]),
    ),
    expected: { attachment_count: 2, attachment_filenames: [null, 'invite.ics'] },
  },
  {
    situation: 'TNEF winmail.dat counted',
    raw: withParts([
      {
        headers: [
          'Content-Type: application/ms-tnef; name="winmail.dat"',
          'Content-Disposition: attachment; filename="winmail.dat"',
          'Content-Transfer-Encoding: base64',
        ],
        body: Buffer.from('not really tnef').toString('base64'),
      },
    ]),
    expected: {
      attachment_count: 1,
      attachment_filenames: ['winmail.dat'],
      text_contains: ['See the attachment.'],
    },
  },
  {
    situation: 'empty attachment (zero bytes) counted',
    raw: withParts([
      {
        headers: [
          'Content-Type: application/octet-stream; name="empty.bin"',
          'Content-Disposition: attachment; filename="empty.bin"',
          'Content-Transfer-Encoding: base64',
        ],
        body: '',
      },
    ]),
    expected: { attachment_count: 1, attachment_filenames: ['empty.bin'] },
  },
  {
    situation: 'multipart/digest children default to message/rfc822 and each counts',
    raw: message(
      ['Content-Type: multipart/digest; boundary="dig"'],
      multipart('dig', [
        { headers: [], body: 'From: a@example.com\r\nSubject: one\r\n\r\nFirst.' },
        { headers: [], body: 'From: b@example.com\r\nSubject: two\r\n\r\nSecond.' },
      ]),
    ),
    expected: { attachment_count: 2, text_lacks: ['First.', 'Second.'] },
  },
  {
    situation: 'a single-part message that is an image',
    raw: message(
      ['Content-Type: image/png; name="scan.png"', 'Content-Transfer-Encoding: base64'],
      'iVBORw0KGgo=\r\n',
    ),
    expected: { attachment_count: 1, attachment_filenames: ['scan.png'] },
  },
  {
    situation: 'attachments keep MIME order across nesting',
    raw: message(
      [mixed('o')],
      multipart('o', [
        file('attachment; filename="1.pdf"'),
        {
          headers: [mixed('i')],
          body: multipart('i', [
            { headers: TEXT, body: 'Middle text.' },
            file('attachment; filename="2.pdf"'),
          ]),
        },
        file('attachment; filename="3.pdf"'),
      ]),
    ),
    expected: { attachment_filenames: ['1.pdf', '2.pdf', '3.pdf'], text_contains: ['Middle text.'] },
  },
  {
    situation: 'Content-Transfer-Encoding base64 on a multipart (illegal) is ignored',
    raw: message(
      ['Content-Type: multipart/mixed; boundary=a', 'Content-Transfer-Encoding: base64'],
      multipart('a', [
        { headers: TEXT, body: 'Plain part.' },
        { headers: ['Content-Type: application/pdf; name=x.pdf'], body: 'x' },
      ]),
    ),
    expected: { attachment_filenames: ['x.pdf'], text_contains: ['Plain part.'] },
  },
  {
    situation: 'a part with two Content-Type headers: the first wins',
    raw: message(
      ['Content-Type: multipart/mixed; boundary=a'],
      multipart('a', [
        {
          headers: ['Content-Type: text/plain', 'Content-Type: application/pdf; name=dup.pdf'],
          body: 'Duplicate type body.',
        },
      ]),
    ),
    expected: { attachment_count: 0, text_contains: ['Duplicate type body.'] },
  },
  {
    situation: 'empty multipart: no body, no files',
    raw: message(['Content-Type: multipart/mixed; boundary=a'], '--a\r\n--a--\r\n'),
    expected: { attachment_count: 0 },
  },
  {
    situation: 'nested multipart reusing the outer boundary',
    raw: message(
      ['Content-Type: multipart/mixed; boundary=a'],
      multipart('a', [
        { headers: ['Content-Type: multipart/alternative; boundary=a'], body: '' },
        { headers: TEXT, body: 'After the nested part.' },
      ]),
    ),
    expected: { attachment_count: 0, text_contains: ['After the nested part.'] },
  },
  {
    situation: 'BOUNDARY parameter name in upper case',
    raw: message(
      ['Content-Type: multipart/mixed; BOUNDARY="Up"'],
      multipart('Up', [
        { headers: TEXT, body: 'Upper-case parameter name.' },
        { headers: ['Content-Type: image/gif; name=g.gif'], body: 'x' },
      ]),
    ),
    expected: { attachment_filenames: ['g.gif'], text_contains: ['Upper-case parameter name.'] },
  },
  {
    situation: 'Content-Type with a trailing semicolon',
    raw: message(
      ['Content-Type: multipart/mixed; boundary="t";  '],
      multipart('t', [
        { headers: TEXT, body: 'Trailing semicolon.' },
        { headers: ['Content-Type: image/gif; name=g.gif'], body: 'x' },
      ]),
    ),
    expected: { attachment_filenames: ['g.gif'], text_contains: ['Trailing semicolon.'] },
  },
  {
    situation: 'charset parameter with spaces around = and transfer encoding in capitals',
    raw: message(
      ['Content-Type: text/plain; charset = "UTF-8"', 'Content-Transfer-Encoding: BASE64'],
      Buffer.from('Grüße spaced', 'utf8').toString('base64'),
    ),
    expected: { text_contains: ['Grüße spaced'] },
  },
  {
    situation: 'part with a disposition but no Content-Type',
    raw: message(
      ['Content-Type: multipart/mixed; boundary=a'],
      multipart('a', [
        { headers: TEXT, body: 'body' },
        { headers: ['Content-Disposition: attachment; filename="nocontenttype.bin"'], body: 'x' },
      ]),
    ),
    expected: { attachment_filenames: ['nocontenttype.bin'] },
  },
  {
    situation: 'Content-Disposition ATTACHMENT in capitals on a text part',
    raw: message(
      ['Content-Type: multipart/mixed; boundary=a'],
      multipart('a', [
        { headers: TEXT, body: 'body' },
        {
          headers: ['Content-Type: text/plain', 'Content-Disposition: ATTACHMENT; filename=up.txt'],
          body: 'x',
        },
      ]),
    ),
    expected: { attachment_filenames: ['up.txt'] },
  },
  {
    situation: 'charset given only on the multipart parent',
    raw: message(
      ['Content-Type: multipart/mixed; boundary=a; charset=koi8-r'],
      multipart('a', [{ headers: ['Content-Type: text/plain'], body: bytesIn('Привет', 'koi8-r') }]),
    ),
    expected: { text_contains: ['Привет'] },
  },
  {
    situation: 'RFC 2231 filename in KOI8-R',
    raw: withParts([
      {
        headers: [
          `Content-Disposition: attachment; filename*=koi8-r''${[...bytesIn('Отчёт.doc', 'koi8-r')].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('')}`,
          'Content-Type: application/msword',
        ],
        body: 'x',
      },
    ]),
    expected: { attachment_filenames: ['Отчёт.doc'] },
  },
  {
    situation: 'RFC 2231 filename with the label utf8',
    raw: withParts([
      {
        headers: [
          "Content-Disposition: attachment; filename*=utf8''R%C3%A9sum%C3%A9.pdf",
          'Content-Type: application/pdf',
        ],
        body: 'x',
      },
    ]),
    expected: { attachment_filenames: ['Résumé.pdf'] },
  },
];

describe('inspectMessage reads MIME structure as the mail corpus defines it', () => {
  it.each(cases.map((entry) => [entry.situation, entry] as const))('%s', async (_situation, entry) => {
    await expectInspection(entry.raw, entry.expected);
  });
});
