/**
 * The header every outbound email carries with its email_queue id. Many bounces quote the original
 * headers (RFC 3464 text/rfc822-headers, or a pasted copy), so the id can be read back from the
 * quoted copy when the bounce did not come through the VERP address (forwarded by hand, a relay
 * that rewrote the return path).
 */
export const OUTBOUND_EMAIL_ID_HEADER = 'X-TWE-Email-Id';

const MAX_ROW_ID = 2_147_483_647;
const QUOTED_HEADER = /^[ \t>]*X-TWE-Email-Id:[ \t]*(\d{1,10})[ \t]*$/imu;

/** The email_queue id from a quoted `X-TWE-Email-Id:` line anywhere in `text`, or null. */
export function findQuotedEmailQueueId(text: string): number | null {
  const match = QUOTED_HEADER.exec(text);
  if (match === null) return null;
  const id = Number(match[1]);
  return id >= 1 && id <= MAX_ROW_ID ? id : null;
}
