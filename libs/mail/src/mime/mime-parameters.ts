import { decodeCharset } from './charset-decoder';
import { decodeHeaderValue } from './header-decoder';

/** A structured header value: `type/subtype; name=value; ...` or `attachment; filename=...`. */
export interface StructuredHeader {
  /** Lower-cased, without parameters (`multipart/mixed`, `attachment`); '' when absent. */
  value: string;
  /** Parameter names lower-cased; values decoded (RFC 2231, RFC 2047 words, raw 8-bit). */
  params: Map<string, string>;
}

interface RawParameter {
  section: number;
  extended: boolean;
  value: string;
}

/**
 * Reads a Content-Type or Content-Disposition value given as latin1 text of the raw bytes.
 * RFC 2231 continuations (`name*0*=`, `name*1=`) are joined in section order and decoded with the
 * charset of the first section; RFC 2047 encoded-words inside quoted values (not allowed, but what
 * Outlook and Gmail send) and raw 8-bit values are decoded like any header text.
 */
export function parseStructuredHeader(raw: string, fallbackCharset?: string | null): StructuredHeader {
  const text = raw.replace(/\r?\n(?=[ \t])/g, '').replace(/\r?\n/g, '');
  const firstSemicolon = indexOfUnquoted(text, ';');
  const value = (firstSemicolon < 0 ? text : text.slice(0, firstSemicolon))
    .replace(/\([^()]*\)/g, '')
    .trim()
    .toLowerCase();
  const collected = new Map<string, RawParameter[]>();
  let rest = firstSemicolon < 0 ? '' : text.slice(firstSemicolon + 1);
  while (rest.trim() !== '') {
    const end = indexOfUnquoted(rest, ';');
    const piece = end < 0 ? rest : rest.slice(0, end);
    rest = end < 0 ? '' : rest.slice(end + 1);
    const equals = piece.indexOf('=');
    if (equals < 0) continue;
    const key = piece.slice(0, equals).trim().toLowerCase();
    const section = /^([^*]+)(?:\*(\d+))?(\*)?$/.exec(key);
    if (section === null) continue;
    const list = collected.get(section[1]) ?? [];
    const parameter = {
      section: Number(section[2] ?? 0),
      extended: section[3] === '*',
      value: unquote(piece.slice(equals + 1).trim()),
    };
    // One section given twice: `filename="plain.pdf"; filename*=UTF-8''...` is the RFC 2231 way to
    // offer a fallback for old readers; the extended form wins, otherwise the first one written.
    const twin = list.findIndex((other) => other.section === parameter.section);
    if (twin < 0) list.push(parameter);
    else if (parameter.extended && !list[twin].extended) list[twin] = parameter;
    collected.set(section[1], list);
  }
  const params = new Map<string, string>();
  for (const [name, sections] of collected) {
    params.set(
      name,
      joinSections(
        sections.sort((a, b) => a.section - b.section),
        fallbackCharset,
      ),
    );
  }
  return { value, params };
}

function joinSections(sections: RawParameter[], fallbackCharset: string | null | undefined): string {
  if (!sections.some((section) => section.extended)) {
    return decodeHeaderValue(sections.map((section) => section.value).join(''), fallbackCharset);
  }
  // charset'language'percent-encoded, in the first section only.
  let charset: string | null = null;
  const bytes: Buffer[] = [];
  sections.forEach((section, index) => {
    let value = section.value;
    if (index === 0 && section.extended) {
      const prefix = /^([^']*)'[^']*'/.exec(value);
      if (prefix !== null) {
        charset = prefix[1] || null;
        value = value.slice(prefix[0].length);
      }
    }
    bytes.push(section.extended ? percentDecode(value) : Buffer.from(value, 'latin1'));
  });
  return decodeCharset(Buffer.concat(bytes), charset, fallbackCharset);
}

function percentDecode(value: string): Buffer {
  const bytes: number[] = [];
  for (let index = 0; index < value.length; index += 1) {
    if (value[index] === '%' && /^[0-9a-fA-F]{2}$/.test(value.slice(index + 1, index + 3))) {
      bytes.push(parseInt(value.slice(index + 1, index + 3), 16));
      index += 2;
    } else {
      bytes.push(value.charCodeAt(index) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function unquote(value: string): string {
  if (!value.startsWith('"')) return value.trim();
  const end = value.lastIndexOf('"');
  const inner = end > 0 ? value.slice(1, end) : value.slice(1);
  return inner.replace(/\\(.)/g, '$1');
}

function indexOfUnquoted(text: string, char: string): number {
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const current = text[index];
    if (current === '\\' && quoted) index += 1;
    else if (current === '"') quoted = !quoted;
    else if (current === char && !quoted) return index;
  }
  return -1;
}
