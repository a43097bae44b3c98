import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { Redis } from 'ioredis';
import { createTransport } from 'nodemailer';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  deleteRedisKeys,
  dropStaleTestDatabases,
  fixturesDir,
  isPortOpen,
  mailExpectations,
  pgAdminUrl,
  readMailFixture,
  startDovecot,
  startSmtpSink,
  testRedisUrl,
  uniqueQueuePrefix,
  type DovecotServer,
} from './index';

const SUPPORT = { user: 'support@example.test', pass: 'support-secret' };
const CRLF_FIXTURE = 'imaptools-attachment_message_rfc822.eml';
const LF_FIXTURE = 'redmine-gmail_with_attachment_iso-8859-1.eml';

function imapOptions(server: DovecotServer, mode: 'starttls' | 'implicit', auth: ImapFlowOptions['auth']) {
  return {
    host: server.host,
    port: mode === 'implicit' ? server.imapsPort : server.imapPort,
    secure: mode === 'implicit',
    doSTARTTLS: mode === 'starttls' ? true : undefined,
    tls: { ca: server.caCertPem },
    auth,
    logger: false as const,
  };
}

async function withImap<T>(options: ImapFlowOptions, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow(options);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout();
  }
}

/** First line a POP3 server sends, over plain TCP or implicit TLS trusting `ca`. */
function pop3Greeting(host: string, port: number, ca?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = ca ? connectTls({ host, port, ca, servername: 'localhost' }) : connectTcp({ host, port });
    socket.setEncoding('utf8');
    socket.once('data', (line: string) => {
      socket.destroy();
      resolve(line.trim());
    });
    socket.once('error', reject);
  });
}

describe('startDovecot', () => {
  let dovecot: DovecotServer;
  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ user: SUPPORT.user, password: SUPPORT.pass }] });
  });
  afterAll(() => dovecot?.stop());

  it('logs in on the plain port after STARTTLS, trusting the instance certificate', async () => {
    const session = await withImap(imapOptions(dovecot, 'starttls', SUPPORT), async (client) => ({
      authenticated: client.authenticated,
      encrypted: client.secureConnection,
    }));
    expect(session).toEqual({ authenticated: true, encrypted: true });
  });

  it('stores an APPENDed message over implicit TLS and returns it byte for byte', async () => {
    const raw = readMailFixture(CRLF_FIXTURE);
    const source = await withImap(imapOptions(dovecot, 'implicit', SUPPORT), async (client) => {
      const appended = await client.append('INBOX', raw);
      if (!appended || appended.uid === undefined) throw new Error('APPEND returned no UID');
      await client.mailboxOpen('INBOX');
      const message = await client.fetchOne(String(appended.uid), { source: true }, { uid: true });
      return message ? message.source : undefined;
    });
    expect(source?.equals(raw)).toBe(true);
  });

  it('hands bare-LF messages back with CRLF line ends (IMAP wire format)', async () => {
    const raw = readMailFixture(LF_FIXTURE);
    expect(raw.includes('\r')).toBe(false);
    const source = await withImap(imapOptions(dovecot, 'implicit', SUPPORT), async (client) => {
      const appended = await client.append('INBOX', raw);
      if (!appended || appended.uid === undefined) throw new Error('APPEND returned no UID');
      await client.mailboxOpen('INBOX');
      const message = await client.fetchOne(String(appended.uid), { source: true }, { uid: true });
      return message ? message.source : undefined;
    });
    expect(source?.toString('latin1')).toBe(raw.toString('latin1').replace(/\n/g, '\r\n'));
  });

  it('refuses a wrong password', async () => {
    const client = new ImapFlow(imapOptions(dovecot, 'implicit', { user: SUPPORT.user, pass: 'wrong' }));
    await expect(client.connect()).rejects.toMatchObject({ authenticationFailed: true });
    client.close();
  });

  it('accepts a user added while it runs', async () => {
    const sales = { user: 'sales@example.test', pass: 'sales-secret' };
    const refused = new ImapFlow(imapOptions(dovecot, 'implicit', sales));
    await expect(refused.connect()).rejects.toMatchObject({ authenticationFailed: true });
    refused.close();

    await dovecot.addUser(sales.user, sales.pass);
    const status = await withImap(imapOptions(dovecot, 'implicit', sales), (client) =>
      client.status('INBOX', { messages: true }),
    );
    expect(status && status.messages).toBe(0);
  });

  it('greets on the POP3 and POP3S ports', async () => {
    expect(await pop3Greeting(dovecot.host, dovecot.pop3Port)).toMatch(/^\+OK/);
    expect(await pop3Greeting(dovecot.host, dovecot.pop3sPort, dovecot.caCertPem)).toMatch(/^\+OK/);
  });
});

describe('startDovecot with an OAuth2 introspection URL', () => {
  const validToken = 'token-for-support';
  let introspection: Server;
  let dovecot: DovecotServer;
  beforeAll(async () => {
    // Minimal RFC 7662 endpoint: Dovecot POSTs token=<access token>.
    introspection = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const token = new URLSearchParams(body).get('token');
        response.setHeader('content-type', 'application/json');
        response.end(
          JSON.stringify(token === validToken ? { active: true, username: SUPPORT.user } : { active: false }),
        );
      });
    });
    await new Promise<void>((resolve) => introspection.listen(0, '127.0.0.1', resolve));
    const address = introspection.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    dovecot = await startDovecot({
      users: [{ user: SUPPORT.user, password: SUPPORT.pass }],
      oauth2IntrospectionUrl: `http://127.0.0.1:${address.port}/introspect`,
    });
  });
  afterAll(async () => {
    await dovecot?.stop();
    introspection?.close();
  });

  it('accepts a valid access token and refuses an unknown one', async () => {
    const authenticated = await withImap(
      imapOptions(dovecot, 'implicit', { user: SUPPORT.user, accessToken: validToken }),
      async (client) => client.authenticated,
    );
    expect(authenticated).toBeTruthy();

    const refused = new ImapFlow(
      imapOptions(dovecot, 'implicit', { user: SUPPORT.user, accessToken: 'forged' }),
    );
    await expect(refused.connect()).rejects.toMatchObject({ authenticationFailed: true });
    refused.close();
  });

  it('still accepts passwords', async () => {
    const authenticated = await withImap(
      imapOptions(dovecot, 'starttls', SUPPORT),
      async (client) => client.authenticated,
    );
    expect(authenticated).toBeTruthy();
  });
});

describe('DovecotServer.stop', () => {
  it('closes every port and removes the temp folder', async () => {
    const [first, second] = await Promise.all([startDovecot(), startDovecot()]);
    const ports = (server: DovecotServer) => [
      server.imapPort,
      server.imapsPort,
      server.pop3Port,
      server.pop3sPort,
    ];
    expect(new Set([...ports(first), ...ports(second)]).size).toBe(8);
    expect(first.dir).not.toBe(second.dir);

    await first.stop();
    for (const port of ports(first)) expect(await isPortOpen(first.host, port)).toBe(false);
    expect(existsSync(first.dir)).toBe(false);
    // The other instance is unaffected.
    expect(await pop3Greeting(second.host, second.pop3Port)).toMatch(/^\+OK/);

    await second.stop();
    await second.stop(); // idempotent
    for (const port of ports(second)) expect(await isPortOpen(second.host, port)).toBe(false);
    expect(existsSync(second.dir)).toBe(false);
  });
});

describe('startSmtpSink', () => {
  it('receives a message with an attachment, parsed, with its envelope', async () => {
    const sink = await startSmtpSink();
    try {
      const transport = createTransport({ host: sink.host, port: sink.port, secure: false, ignoreTLS: true });
      await transport.sendMail({
        envelope: { from: 'bounces@example.com', to: ['customer@example.test'] },
        from: 'Support <support@example.com>',
        to: 'customer@example.test',
        subject: 'Re: [Support #123-789] Printer on fire',
        text: 'We are on it.',
        attachments: [{ filename: 'report.txt', content: 'all good\n' }],
      });
      const [received] = await sink.waitForCount(1, 5_000);
      expect(received.envelopeFrom).toBe('bounces@example.com');
      expect(received.envelopeTo).toEqual(['customer@example.test']);
      expect(received.parsed.subject).toBe('Re: [Support #123-789] Printer on fire');
      expect(received.parsed.attachments.map((attachment) => attachment.filename)).toEqual(['report.txt']);
      expect(received.raw.toString()).toContain('We are on it.');

      sink.clear();
      expect(sink.messages).toHaveLength(0);
      await expect(sink.waitForCount(1, 100)).rejects.toThrow(/expected 1 message/);
    } finally {
      await sink.stop();
    }
  });

  it('refuses the recipients the test rejects, with the given code', async () => {
    const sink = await startSmtpSink({
      rejectRecipient: (address) =>
        address === 'gone@example.test' ? { code: 550, message: 'No such user' } : null,
    });
    try {
      const transport = createTransport({ host: sink.host, port: sink.port, secure: false, ignoreTLS: true });
      await expect(
        transport.sendMail({ from: 'support@example.com', to: 'gone@example.test', subject: 'x', text: 'x' }),
      ).rejects.toMatchObject({ responseCode: 550 });

      const info = await transport.sendMail({
        from: 'support@example.com',
        to: ['gone@example.test', 'here@example.test'],
        subject: 'y',
        text: 'y',
      });
      expect(info.rejected).toEqual(['gone@example.test']);
      expect(sink.messages).toHaveLength(1);
      expect(sink.messages[0].envelopeTo).toEqual(['here@example.test']);
    } finally {
      await sink.stop();
    }
  });
});

describe('createTestDatabase', () => {
  it('creates a real database and drops it even while a client is still connected', async () => {
    const database = await createTestDatabase();
    expect(database.name).toMatch(/^twe_t_\d+_[0-9a-f]+$/);
    const client = new Client({ connectionString: database.url });
    client.on('error', () => undefined); // the drop terminates this session on purpose
    await client.connect();
    await client.query('CREATE TABLE probe (id int)');
    const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
    expect(rows[0].name).toBe(database.name);

    await database.drop();
    const admin = new Client({ connectionString: pgAdminUrl() });
    await admin.connect();
    const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database.name]);
    await admin.end();
    expect(left.rowCount).toBe(0);
    await client.end().catch(() => undefined);
  });

  it('dropStaleTestDatabases removes only old twe_t_* databases', async () => {
    const staleName = `twe_t_${Date.now() - 10 * 3_600_000}_0abc`;
    const admin = new Client({ connectionString: pgAdminUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${staleName}`);
    const fresh = await createTestDatabase();
    try {
      const dropped = await dropStaleTestDatabases(6 * 3_600_000);
      expect(dropped).toContain(staleName);
      expect(dropped).not.toContain(fresh.name);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${staleName}`);
      await admin.end();
      await fresh.drop();
    }
  });
});

describe('Redis prefixes', () => {
  it('deletes only the keys under the given prefix', async () => {
    const prefix = uniqueQueuePrefix();
    const other = uniqueQueuePrefix();
    expect(prefix).toMatch(/^twe-t-[0-9a-f]+$/);
    expect(prefix).not.toBe(other);
    const redis = new Redis(testRedisUrl());
    try {
      await redis.mset(`${prefix}:mail:1`, 'a', `${prefix}:mail:2`, 'b', `${other}:mail:1`, 'c');
      expect(await deleteRedisKeys(testRedisUrl(), prefix)).toBe(2);
      expect(await redis.exists(`${prefix}:mail:1`, `${prefix}:mail:2`)).toBe(0);
      expect(await redis.get(`${other}:mail:1`)).toBe('c');
    } finally {
      await deleteRedisKeys(testRedisUrl(), other);
      redis.disconnect();
    }
  });
});

describe('fixtures', () => {
  it('has every mail fixture byte-exact, as expected.json describes it', () => {
    const expectations = mailExpectations();
    expect(expectations).toHaveLength(85);
    expect(existsSync(fixturesDir())).toBe(true);
    // The 30 MiB message is generated on demand upstream and not kept in the repository.
    const present = expectations.filter((record) => existsSync(`${fixturesDir()}/mail/eml/${record.file}`));
    expect(present).toHaveLength(84);
    for (const record of present) {
      const raw = readMailFixture(record.file);
      expect({ file: record.file, size: raw.length }).toEqual({ file: record.file, size: record.size_bytes });
      expect(createHash('sha256').update(raw).digest('hex')).toBe(record.sha256);
    }
  });
});
