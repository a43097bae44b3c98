import { createHash } from 'node:crypto';

export interface GeneratedMessage {
  raw: Buffer;
  messageId: string;
  subject: string;
  attachmentBytes: number;
}

export interface GenerateOptions {
  to: string;
  /** Distinguishes runs so Message-IDs never collide across them. */
  runId: string;
  /** Every n-th message carries a binary attachment (0 = none). */
  attachmentEvery?: number;
  /** Sizes in bytes of the attachments, used in turn (mixed sizes for benchmarks). */
  attachmentSizes?: number[];
}

/** Deterministic pseudo-random bytes (xorshift32): incompressible, the same on every run. */
function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 0x2545f491;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

/** Realistic, distinct customer messages (one sender each) for crash tests and benchmarks. */
export function generateMessages(count: number, options: GenerateOptions): GeneratedMessage[] {
  const sizes = options.attachmentSizes ?? [20_000];
  return Array.from({ length: count }, (_, index) => {
    const n = index + 1;
    const messageId = `<gen-${options.runId}-${n}@customers.example.com>`;
    const subject = `Order ${1000 + n}: question number ${n}`;
    const every = options.attachmentEvery ?? 0;
    const withAttachment = every > 0 && n % every === 0;
    // The k-th attachment takes the k-th size in turn (indexing by n would repeat one size whenever
    // `every` and the number of sizes share a factor).
    const attachment = withAttachment ? pseudoRandomBytes(sizes[(n / every - 1) % sizes.length], n) : null;
    const boundary = `b-${createHash('sha1').update(messageId).digest('hex').slice(0, 16)}`;
    const text = `Hello,\r\n\r\nthis is customer ${n}. My order ${1000 + n} has not arrived yet.\r\n\r\nRegards\r\nCustomer ${n}\r\n`;
    const headers = [
      `From: Customer ${n} <customer${n}@customers.example.com>`,
      `To: ${options.to}`,
      `Subject: ${subject}`,
      `Message-ID: ${messageId}`,
      'Date: Thu, 03 Dec 2026 09:00:00 +0000',
      'MIME-Version: 1.0',
    ];
    const body = attachment
      ? [
          `Content-Type: multipart/mixed; boundary="${boundary}"`,
          '',
          `--${boundary}`,
          'Content-Type: text/plain; charset=utf-8',
          '',
          text,
          `--${boundary}`,
          `Content-Type: application/octet-stream; name="order-${1000 + n}.bin"`,
          `Content-Disposition: attachment; filename="order-${1000 + n}.bin"`,
          'Content-Transfer-Encoding: base64',
          '',
          base64Lines(attachment),
          `--${boundary}--`,
          '',
        ]
      : ['Content-Type: text/plain; charset=utf-8', '', text];
    return {
      raw: Buffer.from([...headers, ...body].join('\r\n')),
      messageId,
      subject,
      attachmentBytes: attachment?.length ?? 0,
    };
  });
}
