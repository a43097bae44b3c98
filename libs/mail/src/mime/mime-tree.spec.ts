import { describe, expect, it } from 'vitest';

import { bodyOfTree, fileLeaves, hasTextBody, needsOwnDecoding } from './mime-body';
import { contentOf, readMimeTree } from './mime-tree';

const message = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'latin1');

describe('readMimeTree', () => {
  it('splits a multipart and decodes base64 and quoted-printable parts', () => {
    const tree = readMimeTree(
      message([
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        'preamble',
        '--b',
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Gr=FC=DFe, soft=',
        ' break',
        '--b',
        'Content-Type: application/octet-stream; name=a.bin',
        'Content-Transfer-Encoding: base64',
        '',
        'AAEC',
        '--b--',
        'epilogue',
      ]),
    );
    expect(tree.children.map((child) => child.contentType)).toEqual([
      'text/plain',
      'application/octet-stream',
    ]);
    expect(contentOf(tree.children[1])).toEqual(Buffer.from([0, 1, 2]));
    expect(bodyOfTree(tree).text).toBe('Grüße, soft break');
  });

  it.each([
    ['a multipart without a boundary parameter', 'Content-Type: multipart/report;'],
    ['a multipart whose boundary never occurs', 'Content-Type: multipart/mixed; boundary="nowhere"'],
  ])('reads %s as a text body', (_situation, header) => {
    const tree = readMimeTree(message([header, '', "I'm  multipart message without boundary"]));
    expect(tree.boundaryUnusable).toBe(true);
    expect(bodyOfTree(tree).text).toBe("I'm  multipart message without boundary");
  });

  it('decodes undeclared 8-bit text as windows-1252 when it is not UTF-8, and UTF-7 when declared', () => {
    expect(bodyOfTree(readMimeTree(message(['Subject: x', '', 'mi\xdfliche Lage']))).text).toBe(
      'mißliche Lage',
    );
    const utf7 = readMimeTree(message(['Content-Type: text/plain; charset="utf-7"', '', '+APw-ber']));
    expect(bodyOfTree(utf7).text).toBe('über');
  });

  it('does not descend into a forwarded message/rfc822', () => {
    const tree = readMimeTree(
      message([
        'Content-Type: multipart/mixed; boundary=x',
        '',
        '--x',
        'Content-Type: message/rfc822',
        '',
        'Content-Type: multipart/mixed; boundary=y',
        '',
        '--y',
        'Content-Type: text/plain',
        '',
        'inner',
        '--y--',
        '--x--',
      ]),
    );
    expect(tree.children).toHaveLength(1);
    expect(tree.children[0].children).toEqual([]);
    expect(bodyOfTree(tree).text).toBeNull();
  });
});

describe('needsOwnDecoding', () => {
  it.each([
    ['a UTF-7 text part', 'text/plain; charset=utf-7', 'x', true],
    ['UTF-8 text labelled ISO-8859-1', 'text/plain; charset=iso-8859-1', 'gr\xc3\xbc\xc3\x9fe', true],
    ['real ISO-8859-1 text', 'text/plain; charset=iso-8859-1', 'gr\xfc\xdfe', false],
    ['ASCII text labelled ISO-8859-1', 'text/plain; charset=iso-8859-1', 'hello', false],
    ['a UTF-8 part', 'text/plain; charset=utf-8', 'gr\xc3\xbc\xc3\x9fe', false],
  ])('%s: %s', (_situation, type, body, expected) => {
    expect(needsOwnDecoding(readMimeTree(message([`Content-Type: ${type}`, '', body])))).toBe(expected);
  });

  it("ends a part's headers at the first line that is not a header field", () => {
    const tree = readMimeTree(
      message([
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        'Body at once',
        '--b--',
      ]),
    );
    expect(tree.children[0].contentType).toBe('text/plain');
    expect(contentOf(tree.children[0]).toString('latin1')).toBe('Body at once');
  });
});

describe('fileLeaves', () => {
  it('lists the files by the corpus rule with mailparser-style part ids', () => {
    const tree = readMimeTree(
      message([
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: multipart/related; boundary="r"',
        '',
        '--r',
        'Content-Type: text/html',
        '',
        '<img src="cid:x">',
        '--r',
        'Content-Type: image/png',
        '',
        'png',
        '--r--',
        '--b',
        'Content-Type: message/delivery-status',
        '',
        'Action: failed',
        '--b',
        'Content-Type: text/plain',
        'Content-Disposition: attachment; filename=log.txt',
        '',
        'log',
        '--b',
        'Content-Type: text',
        '',
        'garbled type is text/plain',
        '--b--',
      ]),
    );
    expect(fileLeaves(tree).map((leaf) => [leaf.partId, leaf.node.contentType, leaf.related])).toEqual([
      ['1.2', 'image/png', true],
      ['3', 'text/plain', false],
    ]);
    expect(hasTextBody(tree)).toBe(true);
  });
});
