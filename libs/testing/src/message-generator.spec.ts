import { describe, expect, it } from 'vitest';

import { generateMessages } from './message-generator';

describe('generateMessages', () => {
  it('gives every n-th message an attachment, cycling through the sizes', () => {
    const messages = generateMessages(16, {
      to: 'support@helpdesk.example.com',
      runId: 'sizes',
      attachmentEvery: 4,
      attachmentSizes: [5_000, 50_000, 200_000, 2_000_000],
    });
    expect(messages.map((m) => m.attachmentBytes)).toEqual([
      0, 0, 0, 5_000, 0, 0, 0, 50_000, 0, 0, 0, 200_000, 0, 0, 0, 2_000_000,
    ]);
  });

  it('makes distinct Message-IDs per run', () => {
    const a = generateMessages(3, { to: 'support@helpdesk.example.com', runId: 'a' });
    const b = generateMessages(3, { to: 'support@helpdesk.example.com', runId: 'b' });
    expect(new Set([...a, ...b].map((m) => m.messageId)).size).toBe(6);
  });
});
