import { describe, expect, it } from 'vitest';

import { htmlToText } from './html-text';

describe('htmlToText', () => {
  it.each([
    ['paragraphs become lines', '<p>One</p><p>Two</p>', 'One\nTwo'],
    ['br becomes a line break', 'a<br>b<br/>c', 'a\nb\nc'],
    ['entities are decoded', '<p>Fish &amp; chips &lt;3 &nbsp;x</p>', 'Fish & chips <3 x'],
    [
      'scripts, styles and the head are left out',
      '<head><title>T</title><style>p{}</style></head><script>x()</script><p>Body</p>',
      'Body',
    ],
    ['inline markup keeps words together', '<p>An <em>HTML</em> body</p>', 'An HTML body'],
    [
      'table cells keep their words apart',
      '<table><tr><td>Order</td><td>4711</td></tr></table>',
      'Order 4711',
    ],
    ['preformatted text keeps its line breaks', '<pre>line one\nline two</pre>', 'line one\nline two'],
    ['layout white space collapses', '<div>\n   a\n   b\n</div>', 'a b'],
  ])('%s', (_situation, input, expected) => {
    expect(htmlToText(input)).toBe(expected);
  });
});
