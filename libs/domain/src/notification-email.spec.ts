import { describe, expect, it } from 'vitest';

import {
  childThreadIndex,
  formatMailbox,
  newMessageId,
  notificationText,
  replyReferences,
} from './notification-email';

describe('formatMailbox', () => {
  it('quotes the display name so that commas, brackets and quotes cannot change the address', () => {
    expect(formatMailbox('Support', 'support@example.com')).toBe('"Support" <support@example.com>');
    expect(formatMailbox('Sales, EMEA <vip>', 'sales@example.com')).toBe(
      '"Sales, EMEA <vip>" <sales@example.com>',
    );
    expect(formatMailbox('The "A" Team\\', 'a@example.com')).toBe('"The \\"A\\" Team\\\\" <a@example.com>');
    expect(formatMailbox('Evil\r\nBcc: x@y', 'a@example.com')).toBe('"Evil Bcc: x@y" <a@example.com>');
    expect(formatMailbox('  ', 'a@example.com')).toBe('a@example.com');
  });
});

describe('replyReferences', () => {
  it('appends the parent id to its references, without duplicates, keeping the last ones', () => {
    expect(replyReferences([], '<p@x>')).toBe('<p@x>');
    expect(replyReferences(['<a@x>', '<p@x>'], '<p@x>')).toBe('<a@x> <p@x>');
    expect(replyReferences(['<1@x>', '<2@x>', '<3@x>'], '<4@x>', 2)).toBe('<3@x> <4@x>');
    expect(replyReferences([], null)).toBeNull();
  });
});

describe('notificationText', () => {
  const content = {
    ticketId: 7,
    typeName: 'Support',
    newTicket: true,
    fromAddress: 'alice@example.com',
    fromName: 'Alice',
    date: new Date('2024-05-14T07:12:40Z'),
    subject: 'Printer',
    text: 'It is jammed.',
    attachmentNames: ['a.pdf', null],
    quoteMaxChars: 100,
  };

  it('names sender, date, subject, files and quotes the text', () => {
    const text = notificationText(content);
    expect(text).toContain('New enquiry: ticket #7 (Support)');
    expect(text).toContain('From: Alice <alice@example.com>');
    expect(text).toContain('Date: Tue, 14 May 2024 07:12:40 GMT');
    expect(text).toContain('Attachments: 2 (a.pdf, (unnamed))');
    expect(text.endsWith('It is jammed.')).toBe(true);
  });

  it('cuts a long text and says where the rest is', () => {
    const text = notificationText({ ...content, newTicket: false, text: 'x'.repeat(500) });
    expect(text).toContain('New message on ticket #7');
    expect(text).toContain('[... cut; the full message is on ticket #7]');
    expect(text).not.toContain('x'.repeat(101));
  });
});

describe('newMessageId', () => {
  it('is a random id in our domain', () => {
    expect(newMessageId('twe.example.com')).toMatch(/^<[0-9a-f-]{36}@twe\.example\.com>$/);
    expect(newMessageId('d')).not.toBe(newMessageId('d'));
  });
});

describe('childThreadIndex', () => {
  // A real Outlook Thread-Index (22-byte header block) and one reply deep (27 bytes).
  const root = 'AdqKJ8o3dGqgSlW+QfOPbeGZWnT9Ng==';
  const reply = Buffer.concat([Buffer.from(root, 'base64'), Buffer.from([1, 2, 3, 4, 5])]).toString('base64');

  it.each([
    ['a new conversation', root, 27],
    ['a reply in a conversation', reply, 32],
  ])('appends one child block to %s, keeping the header block', (_situation, parent, length) => {
    const child = childThreadIndex(parent)!;
    const bytes = Buffer.from(child, 'base64');
    expect(bytes).toHaveLength(length);
    expect(bytes.subarray(0, 22)).toEqual(Buffer.from(root, 'base64').subarray(0, 22));
  });

  it.each([
    ['no header', null],
    ['not base64', 'not a thread index!'],
    ['too short for the header block', 'AQID'],
    ['not a whole number of child blocks', Buffer.alloc(24).toString('base64')],
    ['absurdly long', Buffer.alloc(22 + 5 * 30).toString('base64')],
  ])('gives null for %s', (_situation, parent) => {
    expect(childThreadIndex(parent)).toBeNull();
  });
});
