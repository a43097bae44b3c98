import { readFileSync } from 'node:fs';

import { type BounceVerdict, parseBounce } from '@twe/domain';

/** The `twe bounce` output: the bounce corpus's field names (fixtures/bounces/README.md). */
export interface BounceCommandOutput {
  kind: BounceVerdict['kind'];
  per_recipient: Array<{
    recipient: string;
    status: string | null;
    reply_code: string | null;
    reason: string;
    hardbounce: boolean;
    diagnostic: string | null;
    feedback_type?: string | null;
  }>;
  message_id: string | null;
  subject: string | null;
  from: string | null;
  reporting_mta: string | null;
  decoded_by: string | null;
  error?: string;
}

export function bounceOutput(verdict: BounceVerdict): BounceCommandOutput {
  return {
    kind: verdict.kind,
    per_recipient: verdict.recipients.map((r) => ({
      recipient: r.recipient,
      status: r.status,
      reply_code: r.replyCode,
      reason: r.reason,
      hardbounce: r.hardBounce,
      diagnostic: r.diagnostic,
      ...(r.feedbackType !== undefined ? { feedback_type: r.feedbackType } : {}),
    })),
    message_id: verdict.original.messageId,
    subject: verdict.original.subject,
    from: verdict.original.from,
    reporting_mta: verdict.reportingMta,
    decoded_by: verdict.decodedBy,
  };
}

function errorOutput(error: string): BounceCommandOutput {
  return {
    kind: 'not-bounce',
    per_recipient: [],
    message_id: null,
    subject: null,
    from: null,
    reporting_mta: null,
    decoded_by: null,
    error,
  };
}

/**
 * `twe bounce <file.eml>`: prints the bounce parser's verdict as one JSON object. Operators use it
 * on messages from the bounce mailbox, so it exits 0 for any input: a file it cannot read gives an
 * `error` field, a message it cannot place gives `kind: "not-bounce"`.
 */
export async function runBounce(args: string[]): Promise<void> {
  const [file] = args;
  let output: BounceCommandOutput;
  if (!file) {
    output = errorOutput('usage: twe bounce <file.eml>');
  } else {
    let raw: Buffer | null = null;
    try {
      raw = readFileSync(file);
    } catch (error) {
      output = errorOutput(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    // Same wording as `twe inspect` for an empty file: there is nothing to classify.
    if (raw !== null && raw.length === 0) output ??= errorOutput('Message is empty (0 bytes)');
    output ??= bounceOutput(parseBounce(raw ?? Buffer.alloc(0)));
  }
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  await Promise.resolve();
}
