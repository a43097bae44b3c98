import { readMailFixture } from '@twe/testing';
import { describe, expect, it } from 'vitest';

import { readMimeTree, contentOf } from './mime-tree';
import { readTnef, TnefError } from './tnef-reader';

/** One TNEF attribute: level, id (type in the high word), length, data, checksum. */
function attribute(level: number, id: number, data: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUInt8(level, 0);
  head.writeUInt32LE(id, 1);
  head.writeUInt32LE(data.length, 5);
  const checksum = Buffer.alloc(2);
  checksum.writeUInt16LE(
    data.reduce((sum, byte) => (sum + byte) & 0xffff, 0),
    0,
  );
  return Buffer.concat([head, data, checksum]);
}

function stream(...attributes: Buffer[]): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt32LE(0x223e9f78, 0);
  head.writeUInt16LE(1, 4);
  return Buffer.concat([head, ...attributes]);
}

/** attAttachment holding one PT_UNICODE PR_ATTACH_LONG_FILENAME, preceded by a PT_LONG property. */
function mapiLongFilename(name: string): Buffer {
  const text = Buffer.from(`${name}\0`, 'utf16le');
  const padding = Buffer.alloc((4 - (text.length % 4)) % 4);
  const parts = [
    u32(2),
    u16(0x0003),
    u16(0x0e21),
    u32(7), // PT_LONG PR_ATTACH_NUM = 7
    u16(0x001f),
    u16(0x3707),
    u32(1),
    u32(text.length),
    text,
    padding,
  ];
  return Buffer.concat(parts);
}

const u16 = (value: number): Buffer => {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16LE(value, 0);
  return buffer;
};
const u32 = (value: number): Buffer => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value, 0);
  return buffer;
};

const ATTACHMENT = 0x02;
const MESSAGE = 0x01;

describe('readTnef', () => {
  it('unpacks hello.txt from the corpus winmail.dat (syn-16-tnef-only.eml)', () => {
    const tree = readMimeTree(readMailFixture('syn-16-tnef-only.eml'));
    const files = readTnef(contentOf(tree));
    expect(files.map((file) => ({ filename: file.filename, text: file.content.toString('latin1') }))).toEqual(
      [{ filename: 'hello.txt', text: 'Hello from inside winmail.dat\r\n' }],
    );
  });

  it('prefers the MAPI long file name over the 8.3 title, per attachment, in order', () => {
    const data = stream(
      attribute(MESSAGE, 0x00078008, Buffer.from('IPM.Microsoft Mail.Note\0')),
      attribute(ATTACHMENT, 0x00069002, Buffer.alloc(14)),
      attribute(ATTACHMENT, 0x00018010, Buffer.from('QUARTE~1.XLS\0')),
      attribute(ATTACHMENT, 0x0006800f, Buffer.from('sheet')),
      attribute(ATTACHMENT, 0x00069005, mapiLongFilename('Quarterly figures 2024.xlsx')),
      attribute(ATTACHMENT, 0x00069002, Buffer.alloc(14)),
      attribute(ATTACHMENT, 0x00018010, Buffer.from('NOTES.TXT\0')),
      attribute(ATTACHMENT, 0x0006800f, Buffer.from('notes')),
    );
    expect(readTnef(data).map((file) => [file.filename, file.content.toString()])).toEqual([
      ['Quarterly figures 2024.xlsx', 'sheet'],
      ['NOTES.TXT', 'notes'],
    ]);
  });

  it('uses attAttachTransportFilename when there are no MAPI properties', () => {
    const data = stream(
      attribute(ATTACHMENT, 0x00069002, Buffer.alloc(14)),
      attribute(ATTACHMENT, 0x00018010, Buffer.from('LONGNA~1.PDF\0')),
      attribute(ATTACHMENT, 0x00069001, Buffer.from('Long name.pdf\0')),
      attribute(ATTACHMENT, 0x0006800f, Buffer.from('%PDF')),
    );
    expect(readTnef(data).map((file) => file.filename)).toEqual(['Long name.pdf']);
  });

  it.each([
    ['bytes labelled TNEF that are not TNEF (the Redmine fixtures)', Buffer.from('Fixture\n')],
    ['an empty part', Buffer.alloc(0)],
    [
      'a stream cut inside an attribute',
      stream(attribute(ATTACHMENT, 0x0006800f, Buffer.from('data'))).subarray(0, 14),
    ],
  ])('throws TnefError for %s', (_situation, data) => {
    expect(() => readTnef(data)).toThrow(TnefError);
  });
});
