import { describe, expect, it } from 'vitest';

import { FieldErrors, RequestValidationError } from '../common/api-errors';
import { planMailboxChange, type StoredMailbox } from './mailbox-rules';
import { describeRelations } from './mailboxes.service';

const plain: StoredMailbox = {
  type: 'IMAP',
  port: 993,
  security: 'tls',
  oauthProvider: null,
  tenantId: null,
  clientId: null,
};
const oauth: StoredMailbox = {
  type: 'IMAP - OAuth',
  port: 993,
  security: 'tls',
  oauthProvider: 'microsoft',
  tenantId: 'contoso.example',
  clientId: 'client',
};

function errorsOf(current: StoredMailbox | null, input: Parameters<typeof planMailboxChange>[1]) {
  const errors = new FieldErrors();
  planMailboxChange(current, input, errors);
  try {
    errors.throwIfAny();
    return [];
  } catch (error) {
    return (error as RequestValidationError).errors.map((fieldError) => fieldError.field);
  }
}

describe('planMailboxChange', () => {
  it('lets an edit clear a secret without changing the type', () => {
    expect(errorsOf(plain, { password: null })).toEqual([]);
    expect(errorsOf(oauth, { clientSecret: null })).toEqual([]);
  });

  it('needs the new sign-in secret when the type moves between plain and OAuth', () => {
    expect(errorsOf(oauth, { type: 'POP3' })).toEqual(['password']);
    expect(errorsOf(plain, { type: 'POP3 - OAuth' })).toEqual(['oauthProvider', 'clientId', 'clientSecret']);
    expect(errorsOf(oauth, { type: 'POP3 - OAuth' })).toEqual([]); // same family: settings carry over
  });

  it('keeps stored OAuth settings on an edit but refuses to clear required ones', () => {
    expect(errorsOf(oauth, { clientId: null })).toEqual(['clientId']);
    expect(errorsOf(oauth, { tenantId: null })).toEqual(['tenantId']);
  });

  it('clears what the new type does not use', () => {
    const errors = new FieldErrors();
    expect(planMailboxChange(oauth, { type: 'IMAP', password: 'p' }, errors)).toMatchObject({
      clearOAuth: true,
      clearPassword: false,
    });
    expect(
      planMailboxChange(
        plain,
        { type: 'IMAP - OAuth', oauthProvider: 'microsoft', tenantId: 't', clientId: 'c', clientSecret: 's' },
        errors,
      ),
    ).toMatchObject({ clearOAuth: false, clearPassword: true });
  });

  it('resolves useSsl with the resulting port', () => {
    const errors = new FieldErrors();
    expect(planMailboxChange(plain, { useSsl: true, port: 143 }, errors).security).toBe('starttls');
    expect(planMailboxChange({ ...plain, port: 110 }, { useSsl: true }, errors).security).toBe('starttls');
    expect(planMailboxChange(plain, { useSsl: true }, errors).security).toBe('tls');
    expect(planMailboxChange(plain, { name: 'x' }, errors).security).toBeUndefined();
  });
});

describe('describeRelations', () => {
  it('names what keeps a mailbox', () => {
    expect(describeRelations({ ticketTypes: [], capturedMessages: 0 })).toBeNull();
    expect(describeRelations({ ticketTypes: [{ id: 1, name: 'Support' }], capturedMessages: 0 })).toBe(
      '1 ticket type uses it (Support)',
    );
    const many = Array.from({ length: 12 }, (_, index) => ({ id: index, name: `T${index}` }));
    expect(describeRelations({ ticketTypes: many, capturedMessages: 2 })).toBe(
      '12 ticket types use it (T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, and 2 more) and 2 captured messages reference it',
    );
  });
});
