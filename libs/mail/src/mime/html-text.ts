import { Parser } from 'htmlparser2';

const SKIPPED = new Set(['script', 'style', 'head', 'title', 'noscript', 'template', 'svg']);
// Table cells sit side by side: a space keeps their words apart ("Order 4711", not "Order4711").
const CELLS = new Set(['td', 'th']);
const BLOCKS = new Set([
  'p',
  'div',
  'br',
  'tr',
  'li',
  'ul',
  'ol',
  'table',
  'blockquote',
  'pre',
  'hr',
  'section',
  'article',
  'header',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'dl',
  'dt',
  'dd',
  'address',
]);

/**
 * The text of an HTML body, for HTML-only mail: tags stripped, entities decoded, block elements
 * and `<br>` as line breaks, scripts/styles/head left out. Used where a plain text is needed
 * (ticket log text, notification quote, search), never for display of the HTML itself.
 */
export function htmlToText(html: string): string {
  let output = '';
  let skipped = 0;
  // Inside <pre> the line breaks are the text's own.
  let preformatted = 0;
  const breakLine = (): void => {
    if (output !== '' && !output.endsWith('\n')) output += '\n';
  };
  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'pre') preformatted += 1;
        if (SKIPPED.has(name)) skipped += 1;
        else if (skipped === 0 && BLOCKS.has(name)) breakLine();
        else if (skipped === 0 && CELLS.has(name)) output += ' ';
      },
      ontext(text) {
        if (skipped === 0)
          output += preformatted > 0 ? text.replace(/\r\n?/g, '\n') : text.replace(/\s+/g, ' ');
      },
      onclosetag(name) {
        if (name === 'pre') preformatted = Math.max(0, preformatted - 1);
        if (SKIPPED.has(name)) skipped = Math.max(0, skipped - 1);
        else if (skipped === 0 && BLOCKS.has(name)) breakLine();
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return output
    .replace(/[ \t\u00a0]+/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
