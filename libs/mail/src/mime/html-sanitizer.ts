import { Parser } from 'htmlparser2';

// Elements removed together with everything inside them: active content, documents inside the
// document, and head elements that load things (link, base, meta refresh).
const DROP_WITH_CONTENT = new Set([
  'script',
  'noscript',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'template',
  'svg',
  'math',
  'link',
  'meta',
  'base',
  'title',
  'head',
  'audio',
  'video',
  'source',
  'track',
  'canvas',
  'form',
  'input',
  'button',
  'select',
  'textarea',
  'option',
  'portal',
  'xml',
]);

const ALLOWED_TAGS = new Set([
  'a',
  'abbr',
  'address',
  'b',
  'bdi',
  'bdo',
  'big',
  'blockquote',
  'br',
  'caption',
  'center',
  'cite',
  'code',
  'col',
  'colgroup',
  'dd',
  'del',
  'details',
  'dfn',
  'div',
  'dl',
  'dt',
  'em',
  'font',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'img',
  'ins',
  'kbd',
  'li',
  'mark',
  'ol',
  'p',
  'pre',
  'q',
  's',
  'samp',
  'small',
  'span',
  'strike',
  'strong',
  'style',
  'sub',
  'summary',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'tt',
  'u',
  'ul',
  'var',
  'wbr',
]);

const VOID_TAGS = new Set(['br', 'col', 'hr', 'img', 'wbr']);

const ALLOWED_ATTRIBUTES = new Set([
  'align',
  'alt',
  'bgcolor',
  'border',
  'cellpadding',
  'cellspacing',
  'class',
  'color',
  'cols',
  'colspan',
  'dir',
  'face',
  'height',
  'lang',
  'nowrap',
  'rowspan',
  'rules',
  'scope',
  'size',
  'span',
  'start',
  'style',
  'summary',
  'title',
  'type',
  'valign',
  'width',
  'frame',
  'headers',
  'abbr',
]);

const SAFE_LINK = /^(?:https?:|mailto:|tel:|#)/i;
const INLINE_IMAGE = /^(?:cid:|data:image\/(?:png|gif|jpe?g|webp|bmp);base64,)/i;

/**
 * Allow-list HTML sanitiser for mail bodies shown to staff. What survives: formatting elements and
 * presentational attributes, links (http, https, mailto, tel; opened without referrer), inline
 * images addressed by `cid:` (the message's own parts) or `data:` image URIs. What goes: scripts and
 * every other active or embedded content, event handlers (`on*`), comments (IE conditional comments
 * load things), and every remote load: `<img src="http...">`, `background=`, CSS `url(...)`,
 * `@import`, `expression()`, `behavior`. Remote images are replaced by their alt text, so a
 * tracking pixel learns nothing about who reads the ticket and when.
 */
export function sanitizeHtml(html: string): string {
  let output = '';
  let dropDepth = 0;
  let inStyle = false;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (dropDepth > 0 || DROP_WITH_CONTENT.has(name)) {
          dropDepth += 1;
          return;
        }
        if (!ALLOWED_TAGS.has(name)) return;
        if (name === 'img') {
          const source = (attributes.src ?? '').trim();
          if (!INLINE_IMAGE.test(source)) {
            if (attributes.alt) output += escapeText(attributes.alt);
            return;
          }
        }
        if (name === 'style') inStyle = true;
        output += `<${name}${sanitizeAttributes(name, attributes)}>`;
      },
      ontext(text) {
        if (dropDepth > 0) return;
        // Style text is raw (entities are not decoded there), so `<` is removed rather than escaped:
        // it is the only way out of the element.
        output += inStyle ? sanitizeCss(text).replace(/</g, '') : escapeText(text);
      },
      onclosetag(name) {
        if (dropDepth > 0) {
          dropDepth -= 1;
          return;
        }
        if (!ALLOWED_TAGS.has(name) || VOID_TAGS.has(name)) return;
        if (name === 'style') inStyle = false;
        output += `</${name}>`;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  return output;
}

function sanitizeAttributes(tag: string, attributes: Record<string, string>): string {
  let result = '';
  for (const [name, value] of Object.entries(attributes)) {
    let kept: string | null = null;
    if (ALLOWED_ATTRIBUTES.has(name)) kept = name === 'style' ? sanitizeCss(value) : value;
    else if (tag === 'a' && name === 'href') kept = SAFE_LINK.test(value.trim()) ? value.trim() : null;
    else if (tag === 'a' && name === 'name') kept = value;
    else if (tag === 'img' && name === 'src') kept = value.trim();
    else if (name === 'background' && /^cid:/i.test(value.trim())) kept = value.trim();
    if (kept !== null) result += ` ${name}="${escapeAttribute(kept)}"`;
  }
  if (tag === 'a' && result.includes(' href="')) {
    result += ' rel="noopener noreferrer nofollow" target="_blank"';
  }
  return result;
}

/**
 * CSS without remote loads or script: `url(...)` other than `cid:` becomes `none`, `@import`,
 * `expression(...)`, `behavior`/`-moz-binding` and `javascript:` are removed. CSS escapes
 * (`\75 rl(`) are decoded first so they cannot hide a `url(`.
 */
export function sanitizeCss(css: string): string {
  const unescaped = css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\\([0-9a-fA-F]{1,6})\s?/g, (_match, hex: string) =>
      String.fromCodePoint(parseInt(hex, 16) || 0xfffd),
    )
    .replace(/\\(.)/g, '$1');
  return unescaped
    .replace(/url\s*\(\s*(['"]?)(.*?)\1\s*\)/gi, (match, _quote, target: string) =>
      /^cid:/i.test(target.trim()) ? match : 'none',
    )
    .replace(/@import[^;]*;?/gi, '')
    .replace(/expression\s*\(/gi, '(')
    .replace(/(?:-moz-binding|behavior)\s*:[^;}]*/gi, '')
    .replace(/javascript\s*:/gi, '')
    .replace(/image-set\s*\(/gi, '(');
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;');
}
