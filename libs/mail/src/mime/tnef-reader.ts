import { decodeCharset } from './charset-decoder';

/** One file inside a TNEF stream (winmail.dat). */
export interface TnefFile {
  /** Long file name when the stream has one, else the 8.3 title; null without either. */
  filename: string | null;
  content: Buffer;
}

const TNEF_SIGNATURE = 0x223e9f78;
const LEVEL_ATTACHMENT = 0x02;

// Attribute ids (low 16 bits of the TNEF attribute tag), MS-OXTNEF 2.1.3.
const ATT_ATTACH_RENDDATA = 0x9002; // starts a new attachment
const ATT_ATTACH_TITLE = 0x8010; // 8.3 file name, ANSI
const ATT_ATTACH_DATA = 0x800f; // the file's bytes
const ATT_ATTACH_TRANSPORT_FILENAME = 0x9001; // long file name, ANSI
const ATT_ATTACHMENT = 0x9005; // MAPI properties of the attachment
const ATT_OEM_CODEPAGE = 0x9007;

// MAPI property ids and types, MS-OXPROPS / MS-OXCDATA.
const PR_ATTACH_LONG_FILENAME = 0x3707;
const PR_ATTACH_FILENAME = 0x3704;
const PR_DISPLAY_NAME = 0x3001;
const PT_STRING8 = 0x001e;
const PT_UNICODE = 0x001f;
const PT_BINARY = 0x0102;
const PT_OBJECT = 0x000d;
const MULTI_VALUED = 0x1000;
const FIXED_SIZES: Record<number, number> = {
  0x0001: 4, // PT_NULL
  0x0002: 4, // PT_SHORT, padded
  0x0003: 4, // PT_LONG
  0x0004: 4, // PT_FLOAT
  0x0005: 8, // PT_DOUBLE
  0x0006: 8, // PT_CURRENCY
  0x0007: 8, // PT_APPTIME
  0x000a: 4, // PT_ERROR
  0x000b: 4, // PT_BOOLEAN, padded
  0x0014: 8, // PT_I8
  0x0040: 8, // PT_SYSTIME
  0x0048: 16, // PT_CLSID
};

/** The TNEF stream is malformed (wrong signature, truncated attribute). */
export class TnefError extends Error {
  override name = 'TnefError';
}

interface PendingFile {
  title: string | null;
  transportName: string | null;
  longName: string | null;
  content: Buffer | null;
}

/**
 * Reads the files embedded in a TNEF stream (application/ms-tnef, winmail.dat): the attachment
 * attributes attAttachTitle / attAttachTransportFilename / attAttachData and, inside attAttachment,
 * the MAPI long file name. Message-level attributes (the RTF body, MAPI message properties) are
 * skipped. Throws TnefError for anything that is not a TNEF stream, so callers can keep the part
 * as the opaque file it claims to be.
 */
export function readTnef(data: Buffer): TnefFile[] {
  if (data.length < 6 || data.readUInt32LE(0) !== TNEF_SIGNATURE) {
    throw new TnefError('Not a TNEF stream (signature 0x223E9F78 missing)');
  }
  let offset = 6; // signature + legacy key
  let codePage: string | null = null;
  const files: PendingFile[] = [];
  while (offset < data.length) {
    if (offset + 9 > data.length) throw new TnefError(`Truncated TNEF attribute at byte ${offset}`);
    const level = data.readUInt8(offset);
    const id = data.readUInt32LE(offset + 1) & 0xffff;
    const length = data.readUInt32LE(offset + 5);
    const start = offset + 9;
    const end = start + length;
    if (end + 2 > data.length) throw new TnefError(`Truncated TNEF attribute at byte ${offset}`);
    const value = data.subarray(start, end);
    offset = end + 2; // checksum

    if (id === ATT_OEM_CODEPAGE && value.length >= 4) codePage = `cp${value.readUInt32LE(0)}`;
    if (level !== LEVEL_ATTACHMENT) continue;
    if (id === ATT_ATTACH_RENDDATA || files.length === 0) {
      files.push({ title: null, transportName: null, longName: null, content: null });
    }
    const file = files[files.length - 1];
    if (id === ATT_ATTACH_TITLE) file.title = ansiString(value, codePage);
    else if (id === ATT_ATTACH_TRANSPORT_FILENAME) file.transportName = ansiString(value, codePage);
    else if (id === ATT_ATTACH_DATA) file.content = Buffer.from(value);
    else if (id === ATT_ATTACHMENT) file.longName = longFilename(value, codePage);
  }
  return files
    .filter((file) => file.content !== null)
    .map((file) => ({
      filename: file.longName ?? file.transportName ?? file.title,
      content: file.content ?? Buffer.alloc(0),
    }));
}

function ansiString(value: Buffer, codePage: string | null): string | null {
  const end = value.indexOf(0);
  const text = decodeCharset(end < 0 ? value : value.subarray(0, end), codePage ?? 'windows-1252');
  return text.trim() === '' ? null : text;
}

/** PR_ATTACH_LONG_FILENAME (else PR_ATTACH_FILENAME, PR_DISPLAY_NAME) from a MAPI property list. */
function longFilename(value: Buffer, codePage: string | null): string | null {
  const found = new Map<number, string>();
  try {
    let offset = 0;
    const count = value.readUInt32LE(offset);
    offset += 4;
    for (let index = 0; index < count && offset < value.length; index += 1) {
      const type = value.readUInt16LE(offset);
      const id = value.readUInt16LE(offset + 2);
      offset += 4;
      if (id >= 0x8000) {
        // Named property: GUID, kind, then a numeric id or a UTF-16 name.
        const kind = value.readUInt32LE(offset + 16);
        offset += 20;
        if (kind === 0) offset += 4;
        else offset += 4 + padded(value.readUInt32LE(offset));
      }
      const baseType = type & ~MULTI_VALUED;
      const variable =
        baseType === PT_STRING8 ||
        baseType === PT_UNICODE ||
        baseType === PT_BINARY ||
        baseType === PT_OBJECT;
      const values = variable || type & MULTI_VALUED ? value.readUInt32LE(offset) : 1;
      if (variable || type & MULTI_VALUED) offset += 4;
      for (let item = 0; item < values; item += 1) {
        if (variable) {
          const size = value.readUInt32LE(offset);
          const bytes = value.subarray(offset + 4, offset + 4 + size);
          offset += 4 + padded(size);
          if (item === 0 && baseType === PT_UNICODE)
            found.set(id, bytes.toString('utf16le').replace(/\0+$/, ''));
          if (item === 0 && baseType === PT_STRING8) found.set(id, ansiString(bytes, codePage) ?? '');
        } else {
          const size = FIXED_SIZES[baseType];
          if (size === undefined)
            throw new TnefError(`Unknown MAPI property type 0x${baseType.toString(16)}`);
          offset += size;
        }
      }
    }
  } catch {
    // A broken property list still leaves the names read before the break (and the 8.3 title).
  }
  for (const id of [PR_ATTACH_LONG_FILENAME, PR_ATTACH_FILENAME, PR_DISPLAY_NAME]) {
    const name = found.get(id)?.trim();
    if (name) return name;
  }
  return null;
}

function padded(size: number): number {
  return Math.ceil(size / 4) * 4;
}
