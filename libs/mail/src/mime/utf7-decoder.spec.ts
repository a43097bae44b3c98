import { describe, expect, it } from 'vitest';

import { decodeUtf7 } from './utf7-decoder';

describe('decodeUtf7 (RFC 2152)', () => {
  it.each([
    ['plain ASCII stays as it is', 'Hello, World', 'Hello, World'],
    ['RFC 2152 example: a base64 run closed by "-" that is absorbed', 'Hi Mom -+Jjo--!', 'Hi Mom -\u263a-!'],
    ['RFC 2152 example: a run closed by a non-base64 character that is kept', 'A+ImIDkQ.', 'A\u2262\u0391.'],
    ['RFC 2152 example: Japanese', '+ZeVnLIqe-', '日本語'],
    ['"+-" is a literal plus sign', '1 +- 1 = 2', '1 + 1 = 2'],
    ['Outlook subject with an umlaut', 'Die Hasen und die Fr+APY-sche', 'Die Hasen und die Frösche'],
    ['a character outside the BMP (surrogate pair)', 'smile +2D3eAA-', 'smile 😀'],
    ['the euro sign', '+IKw-', '€'],
    ['a run at the very end without a closing "-"', 'x+AOQ', 'xä'],
  ])('%s', (_situation, input, expected) => {
    expect(decodeUtf7(input)).toBe(expected);
  });
});
