import { decodeCharset, isValidUtf8, normalizeCharset } from './charset-decoder';

const LATIN1_LABELS = new Set(['iso-8859-1', 'iso-8859-15', 'latin1', 'l1', 'windows-1252']);
import { contentOf, type MimeNode } from './mime-tree';

export interface MimeBody {
  text: string | null;
  html: string | null;
}

/**
 * The readable body of a MIME tree: every text/plain and text/html leaf that is not an attachment
 * (joined in MIME order), each decoded with its declared charset, or, without one, as UTF-8 when
 * valid, else in the message's charset, else windows-1252.
 */
export function bodyOfTree(root: MimeNode, fallbackCharset?: string | null): MimeBody {
  const text: string[] = [];
  const html: string[] = [];
  const visit = (node: MimeNode): void => {
    if (node.children.length > 0) {
      node.children.forEach(visit);
      return;
    }
    if (node.disposition.value === 'attachment') return;
    if (node.contentType !== 'text/plain' && node.contentType !== 'text/html') return;
    // Line ends as mailparser gives them (LF), whatever the message used.
    const decoded = decodeCharset(contentOf(node), node.charset, fallbackCharset).replace(/\r\n?/g, '\n');
    (node.contentType === 'text/html' ? html : text).push(decoded);
  };
  visit(root);
  const join = (parts: string[]): string | null => {
    const joined = parts.join('\n');
    return joined.trim() === '' ? null : joined;
  };
  return { text: join(text), html: join(html) };
}

/** The node at a mailparser part id (`1.2.1`: 1-based child indexes from the root), or null. */
export function nodeAtPartId(root: MimeNode, partId: string | undefined): MimeNode | null {
  if (partId === undefined || partId === '') return root.children.length === 0 ? root : null;
  let node: MimeNode | undefined = root;
  for (const step of partId.split('.')) {
    node = node?.children[Number(step) - 1];
    if (node === undefined) return null;
  }
  return node;
}

/** The file name a part carries (Content-Disposition filename, else Content-Type name), decoded. */
export function filenameOf(node: MimeNode): string | null {
  const name = node.disposition.params.get('filename') ?? node.contentTypeParams.get('name');
  return name === undefined || name.trim() === '' ? null : name;
}

/**
 * Whether a body part needs our decoder: a charset mailparser cannot read (UTF-7), or UTF-8 text
 * labelled Latin-1, which mailparser turns into mojibake ("Ã¤").
 */
export function needsOwnDecoding(root: MimeNode): boolean {
  if (root.children.length > 0) return root.children.some(needsOwnDecoding);
  if (root.disposition.value === 'attachment') return false;
  if (root.contentType !== 'text/plain' && root.contentType !== 'text/html') return false;
  const charset = normalizeCharset(root.charset);
  if (charset === 'utf-7') return true;
  if (!LATIN1_LABELS.has(charset)) return false;
  const content = contentOf(root);
  return content.some((byte) => byte >= 0x80) && isValidUtf8(content);
}

/** The first declared charset in MIME order (root first): the best guess for undeclared 8-bit text. */
export function firstDeclaredCharset(root: MimeNode): string | null {
  if (root.charset !== null && root.charset.trim() !== '') return root.charset;
  for (const child of root.children) {
    const found = firstDeclaredCharset(child);
    if (found !== null) return found;
  }
  return null;
}
