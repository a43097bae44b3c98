import { Client } from 'pg';

/**
 * First key of the two-key advisory lock: a fixed namespace ('TWEF') so that these locks cannot
 * collide with any other use of pg_advisory_lock in the same database. The second key is the mailbox id.
 */
const FETCH_LOCK_NAMESPACE = 0x54574546;

/**
 * "One fetch per mailbox at a time, across all replicas": a session-level advisory lock, held on a
 * connection of its own for the whole fetch. A pooled connection would not do: the lock belongs to
 * the session, so it would outlive the fetch inside the pool or be released by whoever used it next.
 * If the process dies, PostgreSQL ends the session and the lock goes with it.
 *
 * The captures run on this same connection on purpose: if the session is lost (and with it the lock),
 * the next capture fails and the fetch stops, instead of carrying on without the lock.
 */
export class MailboxFetchLock {
  private released = false;

  private constructor(
    /** The lock's session; use it for the fetch's writes (see above). */
    readonly client: Client,
    private readonly mailboxId: number,
  ) {}

  /** The lock, or null when another fetch of this mailbox holds it. */
  static async tryAcquire(databaseUrl: string, mailboxId: number): Promise<MailboxFetchLock | null> {
    const client = new Client({
      connectionString: databaseUrl,
      connectionTimeoutMillis: 10_000,
      // A stuck statement must not hold the mailbox (and a BullMQ job) forever.
      statement_timeout: 60_000,
      keepAlive: true,
      application_name: 'twe-mail-fetcher',
    });
    // A dropped connection emits 'error'; the next query then rejects, which is what stops the fetch.
    client.on('error', () => undefined);
    await client.connect();
    try {
      const { rows } = await client.query<{ acquired: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS acquired',
        [FETCH_LOCK_NAMESPACE, mailboxId],
      );
      if (rows[0]?.acquired) return new MailboxFetchLock(client, mailboxId);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    await client.end().catch(() => undefined);
    return null;
  }

  /** Unlocks and closes the session (closing alone would release it too; unlocking first is just tidy). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.client
      .query('SELECT pg_advisory_unlock($1, $2)', [FETCH_LOCK_NAMESPACE, this.mailboxId])
      .catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }
}
