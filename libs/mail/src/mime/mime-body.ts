import {
  decodeCharset,
  isValidUtf8,
  looksLikeIso2022Jp,
  NO_INFORMATION,
  normalizeCharset,
} from './charset-decoder';

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
 * Whether a body part needs our decoder: a charset mailparser cannot read (UTF-7), UTF-8 text
 * labelled Latin-1, which mailparser turns into mojibake ("Ã¤"), or undeclared ISO-2022-JP.
 */
export function needsOwnDecoding(root: MimeNode): boolean {
  if (root.children.length > 0) return root.children.some(needsOwnDecoding);
  if (root.disposition.value === 'attachment') return false;
  if (root.contentType !== 'text/plain' && root.contentType !== 'text/html') return false;
  const charset = normalizeCharset(root.charset);
  if (charset === 'utf-7') return true;
  // Undeclared ISO-2022-JP: mailparser leaves the escape sequences in the text.
  if (NO_INFORMATION.has(charset)) return looksLikeIso2022Jp(contentOf(root));
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

/** A part a ticket stores as a file, with its mailparser-style part id (`1.2`; '' for the root). */
export interface FileLeaf {
  partId: string;
  node: MimeNode;
  /** Inside a multipart/related (an image the HTML body shows by content id). */
  related: boolean;
}

/**
 * The files of a message by the corpus rule (fixtures/mail/README.md): every non-multipart leaf
 * that is not text/plain or text/html, plus text/plain and text/html parts with
 * `Content-Disposition: attachment`; message/rfc822 counts once (the tree does not descend into
 * it); message/delivery-status is report data, not a file; a multipart without a usable boundary
 * was already turned into a text body by the reader.
 */
export function fileLeaves(root: MimeNode): FileLeaf[] {
  const files: FileLeaf[] = [];
  const visit = (node: MimeNode, partId: string, related: boolean): void => {
    if (node.children.length > 0 || node.contentType.startsWith('multipart/')) {
      const inRelated = related || node.contentType === 'multipart/related';
      node.children.forEach((child, index) =>
        visit(child, partId === '' ? String(index + 1) : `${partId}.${index + 1}`, inRelated),
      );
      return;
    }
    if (node.contentType === 'message/delivery-status') return;
    const textBody = node.contentType === 'text/plain' || node.contentType === 'text/html';
    if (textBody && node.disposition.value !== 'attachment') return;
    files.push({ partId, node, related });
  };
  visit(root, '', false);
  return files;
}

/** Whether the message has a text/plain body part (not an attachment); without one it is HTML-only. */
export function hasTextBody(root: MimeNode): boolean {
  if (root.children.length > 0) return root.children.some(hasTextBody);
  return root.contentType === 'text/plain' && root.disposition.value !== 'attachment';
}
