import type { IngestStructuredPayload, TicketsIngestPayload } from '@twe/queues';
import MailComposer from 'nodemailer/lib/mail-composer';

/**
 * The RFC 5322 bytes of an ingested message: a raw one as given; a structured one built with
 * nodemailer's MailComposer (the library that builds our outgoing mail), so that from here on it is
 * processed by exactly the code a message from a mailbox goes through.
 */
export async function buildIngestedMessage(payload: TicketsIngestPayload): Promise<Buffer> {
  if (payload.kind === 'raw') return Buffer.from(payload.rawBase64, 'base64');
  return composeStructured(payload);
}

function composeStructured(payload: IngestStructuredPayload): Promise<Buffer> {
  const composer = new MailComposer({
    from: payload.from.name
      ? { name: payload.from.name, address: payload.from.address }
      : payload.from.address,
    to: payload.to,
    cc: payload.cc,
    subject: payload.subject,
    text: payload.text,
    html: payload.html,
    messageId: payload.messageId,
    inReplyTo: payload.inReplyTo,
    references: payload.references,
    date: payload.date === undefined ? undefined : new Date(payload.date),
    attachments: payload.attachments?.map((file) => ({
      filename: file.filename,
      contentType: file.contentType,
      content: Buffer.from(file.contentBase64, 'base64'),
    })),
    // Never read files or URLs named in the payload (nodemailer would for `path`/`href` contents).
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return new Promise((resolve, reject) => {
    composer.compile().build((error, message) => (error ? reject(error) : resolve(message)));
  });
}
