const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Map([...BASE64].map((char, index) => [char, index]));

/**
 * Decodes UTF-7 (RFC 2152). Neither mailparser nor the WHATWG decoders (TextDecoder) read it, and
 * Outlook still sends it, in subjects (`=?utf-7?Q?Fr+APY-sche?=`) and bodies.
 *
 * Direct characters stand for themselves; `+` opens a run of modified base64 (no padding) holding
 * UTF-16 code units, closed by the first character outside the base64 alphabet, and a closing `-`
 * is absorbed. `+-` is a literal `+`. Bits left over at the end of a run are discarded.
 */
export function decodeUtf7(input: string): string {
  let output = '';
  let index = 0;
  while (index < input.length) {
    const char = input[index];
    if (char !== '+') {
      output += char;
      index += 1;
      continue;
    }
    index += 1;
    if (input[index] === '-') {
      output += '+';
      index += 1;
      continue;
    }
    let bits = 0;
    let bitCount = 0;
    while (index < input.length && BASE64_VALUE.has(input[index])) {
      bits = ((bits << 6) | (BASE64_VALUE.get(input[index]) ?? 0)) & 0xffffff;
      bitCount += 6;
      if (bitCount >= 16) {
        bitCount -= 16;
        output += String.fromCharCode((bits >> bitCount) & 0xffff);
      }
      index += 1;
    }
    if (input[index] === '-') index += 1;
  }
  return output;
}
