import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { extractAddresses } from '@twe/domain';
import { fixturesDir, mailExpectations, readMailFixture } from '@twe/testing';
import { describe, expect, it } from 'vitest';

import { MessageParseError, parseMessage, parseMessageHeaders, ticketFiles } from './parse-message';

const collapse = (value: string | null): string => (value ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
const bareId = (value: string | null): string | null => (value === null ? null : value.replace(/^<|>$/g, ''));
const lower = (values: string[]): string[] => values.map((value) => value.normalize('NFC').toLowerCase());

const present = mailExpectations().filter(
  (record) => record.size_bytes > 0 && existsSync(join(fixturesDir(), 'mail', 'eml', record.file)),
);

describe('parseMessage on the corpus (fixtures/mail/expected.json)', () => {
  it.each(present.map((record) => [record.file, record] as const))('%s', async (_file, record) => {
    const parsed = await parseMessage(readMailFixture(record.file));

    expect((parsed.fromAddress ?? '').normalize('NFC').toLowerCase()).toBe(
      (record.from_address ?? '').normalize('NFC').toLowerCase(),
    );
    // Also where mailparser itself is wrong (`mailparser_disagrees`): the engine repairs those.
    expect(collapse(parsed.subject)).toBe(collapse(record.subject));
    expect(bareId(parsed.messageId)).toBe(bareId(record.message_id));
    expect(bareId(parsed.inReplyTo)).toBe(bareId(record.in_reply_to));
    expect(lower([...parsed.to, ...parsed.cc])).toEqual(lower(record.to_cc_addresses));

    // The corpus lists Delivered-To, X-Original-To and Envelope-To; the domain rule also counts
    // Resent-To / Resent-Cc (a message redirected to the helpdesk), so those are added here.
    const raw = readMailFixture(record.file).toString('latin1');
    const headerBlock = raw.split(/\r?\n\r?\n/)[0];
    const resent = [...headerBlock.matchAll(/^Resent-(?:To|Cc):(.*)$/gim)].map((match) => match[1]);
    const expectedEnvelope = [
      ...new Set(
        [...record.envelope_recipients.map((line) => line.replace(/^[^:]*:/, '')), ...resent].flatMap(
          (value) => extractAddresses(value),
        ),
      ),
    ];
    expect(parsed.envelopeRecipients).toEqual(expectedEnvelope);

    expect(parsed.attachments).toHaveLength(record.attachment_count);
    expect(parsed.attachments.map((file) => file.filename?.normalize('NFC') ?? null)).toEqual(
      record.attachment_filenames.map((name) => name?.normalize('NFC') ?? null),
    );
    for (const file of parsed.attachments) {
      expect(file.size).toBe(file.content.length);
      expect(file.sha256).toBe(createHash('sha256').update(file.content).digest('hex'));
    }
  });
});

describe('parseMessage details', () => {
  it('reads sender, threading headers, recipients and the plain text of a tagged reply', async () => {
    const parsed = await parseMessage(readMailFixture('syn-01-re-tag.eml'));
    expect(parsed).toMatchObject({
      fromAddress: 'alice@example.com',
      fromName: 'Alice Example',
      subject: 'RE: [Support #123-789] Printer on floor 3 is jammed',
      messageId: '<syn-01-re-tag.reply@mail.example.org>',
      inReplyTo: '<ticket-123-789.1@helpdesk.example.com>',
      references: ['<ticket-123-789.1@helpdesk.example.com>'],
      to: ['support@helpdesk.example.com'],
      cc: [],
      envelopeRecipients: ['support@helpdesk.example.com'],
      html: null,
      attachments: [],
    });
    expect(parsed.text).toContain('It is still jammed after the restart.');
    expect(parsed.date?.toISOString()).toBe('2024-05-14T07:12:40.000Z');
    expect(parsed.headers).toContainEqual({ key: 'Delivered-To', value: 'support@helpdesk.example.com' });
  });

  it('sees a BCC delivery only in the envelope recipients', async () => {
    const parsed = await parseMessage(readMailFixture('syn-10-bcc-only.eml'));
    expect(parsed.to).toEqual(['grace@example.org']);
    expect(parsed.envelopeRecipients).toEqual(['support@helpdesk.example.com']);
  });

  it('keeps inline images as attachments with their Content-ID and leaves cid: links in the HTML', async () => {
    const parsed = await parseMessage(readMailFixture('mmp-m0016.eml'));
    expect(
      parsed.attachments.map(({ filename, contentType, contentId, inline, size }) => ({
        filename,
        contentType,
        contentId,
        inline,
        size,
      })),
    ).toEqual([
      {
        filename: 'blueball.png',
        contentType: 'image/png',
        contentId: '823504223@17052000-0f8d',
        inline: true,
        size: 1325,
      },
      {
        filename: 'redball.png',
        contentType: 'image/png',
        contentId: '823504223@17052000-0f94',
        inline: true,
        size: 1453,
      },
    ]);
    expect(parsed.html).toContain('cid:823504223@17052000-0f8d');
    expect(parsed.html).not.toContain('data:image/png');
  });

  it('counts a forwarded message/rfc822 once, as one file', async () => {
    const parsed = await parseMessage(readMailFixture('imaptools-attachment_message_rfc822.eml'));
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]).toMatchObject({ contentType: 'message/rfc822', inline: false });
    expect(parsed.attachments[0].content.toString('latin1')).toMatch(/^[\s\S]*Subject:/);
  });

  it('repairs what mailparser misses in RFC 2822 obsolete syntax (From and Message-ID with comments)', async () => {
    const parsed = await parseMessage(readMailFixture('imaptools-example13.eml'));
    expect(parsed.fromAddress).toBe('jdoe@machine.example');
    expect(parsed.messageId).toBe('<1234@local.machine.example>');
  });

  it('parses messages without headers or with broken MIME instead of failing', async () => {
    for (const file of ['enmime-erroneous.eml', 'mime4j-missing-boundary.eml', 'syn-14-no-from.eml']) {
      const parsed = await parseMessage(readMailFixture(file));
      expect(parsed.fromAddress).toBeNull();
    }
  });

  it('throws MessageParseError only for input that cannot be a message', async () => {
    await expect(parseMessage(readMailFixture('syn-13-zero-byte-file.eml'))).rejects.toBeInstanceOf(
      MessageParseError,
    );
    await expect(parseMessage(Buffer.alloc(0))).rejects.toThrow('Message is empty (0 bytes)');
  });

  it('reads only the header block of a message for error tickets', async () => {
    const raw = readMailFixture('redmine-apple_mail_with_attachment.eml');
    const headers = await parseMessageHeaders(raw.subarray(0, 2000));
    expect(headers).toMatchObject({
      fromAddress: 'JSmith@somenet.foo',
      subject: 'Test attaching images to tickets by HTML mail',
    });
    expect(await parseMessageHeaders(Buffer.alloc(0))).toBeNull();
  });

  it('repairs what mailparser gets wrong: raw 8-bit and UTF-7 subjects, UTF-7 and undeclared 8-bit bodies', async () => {
    expect((await parseMessage(readMailFixture('mmp-m0001.eml'))).subject).toBe(
      'Die Hasen und   die Frösche (Microsoft Outlook 00)',
    );
    const utf7 = await parseMessage(readMailFixture('mmp-m0006.eml'));
    expect(utf7.subject).toBe('Die Hasen und die Frösche (Microsoft Outlook 00)');
    expect(utf7.text).toContain('Die Hasen klagten einst über ihre mißliche Lage');
    expect((await parseMessage(readMailFixture('mmp-m0009.eml'))).text).toContain('über ihre mißliche Lage');
    expect((await parseMessage(readMailFixture('enmime-multipart-wo-boundary.eml'))).text).toContain(
      'multipart message without boundary',
    );
  });

  it('stores the HTML body sanitised, keeping inline images by content id', async () => {
    const parsed = await parseMessage(readMailFixture('mmp-m1005.eml'));
    expect(parsed.html).toContain('<img src="cid:part1.39235FC5.E71D8178@example.com" alt="blue ball"');
    const raw = Buffer.from(
      [
        'From: a@example.com',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p onclick="x()">Hi<img src="https://t.example/pixel.gif"><script>steal()</script></p>',
      ].join('\r\n'),
    );
    expect((await parseMessage(raw)).html).toBe('<p>Hi</p>');
  });

  it('gives HTML-only mail a text body', async () => {
    const parsed = await parseMessage(readMailFixture('phpmmp-issue158a.eml'));
    expect(parsed.text).toContain('An RFC 822 forward with a HTML body');
  });

  it('splits a reply into the new text and the quoted history', async () => {
    const parsed = await parseMessage(readMailFixture('syn-01-re-tag.eml'));
    expect(parsed.bodyTextNew).toBe('It is still jammed after the restart.');
    expect(parsed.quotedText).toMatch(/^-----Original Message-----\nFrom: Helpdesk/);
  });

  it.each([
    ['a delivery status notification', 'syn-18-null-sender-bounce.eml', true],
    ['an out-of-office reply (automatic, not a bounce)', 'syn-17-oof-with-tag.eml', false],
  ])('marks %s as bounce or not', async (_situation, file, isBounce) => {
    expect((await parseMessage(readMailFixture(file))).isBounce).toBe(isBounce);
  });

  it('unpacks winmail.dat and stores its files after it; a fake winmail.dat stays opaque', async () => {
    const tnef = await parseMessage(readMailFixture('syn-16-tnef-only.eml'));
    expect(tnef.attachments.map((file) => file.filename)).toEqual(['winmail.dat']);
    expect(tnef.attachments[0].tnefFiles?.map((file) => [file.filename, file.content.toString()])).toEqual([
      ['hello.txt', 'Hello from inside winmail.dat\r\n'],
    ]);
    expect(ticketFiles(tnef).map((file) => file.filename)).toEqual(['winmail.dat', 'hello.txt']);

    const fake = await parseMessage(readMailFixture('redmine-no_subject_header.eml'));
    expect(fake.attachments[0].tnefFiles).toBeNull();
    expect(ticketFiles(fake).map((file) => file.filename)).toEqual(['winmail.dat']);
  });

  it('reads a display name in raw ISO-8859-1 bytes that mailparser turns into U+FFFD', async () => {
    const raw = Buffer.from(
      'From: J\xfcrgen M\xfcller <jm@example.com>\r\nSubject: x\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nHallo\r\n',
      'latin1',
    );
    expect(await parseMessage(raw)).toMatchObject({
      fromName: 'Jürgen Müller',
      fromAddress: 'jm@example.com',
    });
  });

  it('reads UTF-8 text labelled ISO-8859-1 as UTF-8 (mailparser gives mojibake)', async () => {
    const raw = Buffer.concat([
      Buffer.from('From: a@example.com\r\nSubject: =?iso-8859-1?Q?Gr=C3=BC=C3=9Fe?=\r\n'),
      Buffer.from('Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
      Buffer.from('Viele Grüße\r\n', 'utf8'),
    ]);
    expect(await parseMessage(raw)).toMatchObject({ subject: 'Grüße', text: 'Viele Grüße\n' });
  });

  it("keeps mailparser's subject where it reads what RFC 2047 forbids (white space inside an encoded-word)", async () => {
    const raw = Buffer.from('From: a@example.com\r\nSubject: =?utf-8?Q?hello world?=\r\n\r\nx\r\n');
    expect((await parseMessage(raw)).subject).toBe('hello world');
  });

  it("keeps mailparser's file name where ours would leave a whitespace-broken encoded-word", async () => {
    const raw = Buffer.from(
      [
        'From: a@example.com',
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'see file',
        '--b',
        'Content-Type: application/octet-stream',
        'Content-Disposition: attachment; filename="=?utf-8?Q?my report.txt?="',
        '',
        'data',
        '--b--',
        '',
      ].join('\r\n'),
    );
    expect((await parseMessage(raw)).attachments.map((file) => file.filename)).toEqual(['my report.txt']);
  });
});
