import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import type { Socket } from 'node:net';
import { basename, delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts, isPortOpen, waitForPort } from './free-port';

export interface DovecotUser {
  user: string;
  password: string;
}

export interface DovecotOptions {
  users?: DovecotUser[];
  /** Enables XOAUTH2 and OAUTHBEARER, checked by Dovecot's oauth2 passdb against this URL (RFC 7662 POST). */
  oauth2IntrospectionUrl?: string;
}

export interface DovecotServer {
  host: '127.0.0.1';
  /** IMAP with STARTTLS offered (plaintext login allowed too). */
  imapPort: number;
  /** IMAP over implicit TLS. */
  imapsPort: number;
  /** POP3 with STLS offered. */
  pop3Port: number;
  /** POP3 over implicit TLS. */
  pop3sPort: number;
  /** The self-signed certificate of this instance (CN localhost, SAN localhost + 127.0.0.1). */
  caCertPem: string;
  /** The instance's own temporary folder (config, sockets, maildirs, log). */
  dir: string;
  /** Adds a passwd-file user; the running instance sees it at the next login. */
  addUser(user: string, password: string): Promise<void>;
  /** Stops the instance, waits until its ports are closed and removes `dir`. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const MISSING_DOVECOT =
  'Dovecot is not installed (no `dovecot` binary found); run `bash scripts/provision.sh`';

const execFileAsync = promisify(execFile);

/** Path of the `dovecot` binary, or null. Debian puts it in /usr/sbin, which is not on every PATH. */
export function findDovecotBinary(): string | null {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'dovecot');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return null;
}

/** Who owns the mail and runs the unprivileged processes. */
interface Accounts {
  mailUid: number;
  mailGid: number;
  loginUser: string;
  internalUser: string;
  internalGroup: string;
  /** chroot needs root; a non-root instance must switch it off for the login services. */
  chroot: boolean;
}

async function accounts(): Promise<Accounts> {
  const me = userInfo();
  if (me.uid !== 0) {
    const group = (await execFileAsync('id', ['-gn'])).stdout.trim();
    return {
      mailUid: me.uid,
      mailGid: me.gid,
      loginUser: me.username,
      internalUser: me.username,
      internalGroup: group,
      chroot: false,
    };
  }
  // Dovecot refuses to access mail as uid 0, so root instances store mail as Debian's `mail` user.
  const uid = Number((await execFileAsync('id', ['-u', 'mail'])).stdout.trim());
  const gid = Number((await execFileAsync('id', ['-g', 'mail'])).stdout.trim());
  return {
    mailUid: uid,
    mailGid: gid,
    loginUser: 'dovenull',
    internalUser: 'dovecot',
    internalGroup: 'dovecot',
    chroot: true,
  };
}

interface Layout {
  dir: string;
  config: string;
  users: string;
  mail: string;
  cert: string;
  key: string;
  log: string;
  oauth2: string;
}

function layoutOf(dir: string): Layout {
  return {
    dir,
    config: join(dir, 'dovecot.conf'),
    users: join(dir, 'users'),
    mail: join(dir, 'mail'),
    cert: join(dir, 'cert.pem'),
    key: join(dir, 'key.pem'),
    log: join(dir, 'dovecot.log'),
    oauth2: join(dir, 'dovecot-oauth2.conf.ext'),
  };
}

async function makeCertificate(layout: Layout): Promise<string> {
  // prettier-ignore
  await execFileAsync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', layout.key, '-out', layout.cert,
  ]);
  await chmod(layout.key, 0o600);
  return readFile(layout.cert, 'utf8');
}

function assertPasswdFileSafe(user: DovecotUser): void {
  // passwd-file is colon-separated, one user per line.
  if (!user.user || /[:\s]/.test(user.user) || /[:\r\n]/.test(user.password)) {
    throw new Error(`user name / password not usable in a passwd-file: ${JSON.stringify(user.user)}`);
  }
}

async function writeUsers(layout: Layout, users: DovecotUser[], ids: Accounts): Promise<void> {
  const lines = users.map(
    ({ user, password }) =>
      `${user}:{PLAIN}${password}:${ids.mailUid}:${ids.mailGid}::${join(layout.mail, user)}::\n`,
  );
  // Replace the file in one step: Dovecot re-reads it when it changes and must never see half of it.
  const next = `${layout.users}.next`;
  await writeFile(next, lines.join(''), { mode: 0o644 });
  await rename(next, layout.users);
}

/**
 * Dovecot stats a passwd-file at most once per wall-clock second, so a user written in the same
 * second as an earlier lookup stays unknown until the second is over. Waiting it out makes
 * addUser() effective as soon as it resolves.
 */
function nextWallClockSecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
}

interface Ports {
  imap: number;
  imaps: number;
  pop3: number;
  pop3s: number;
}

function renderConfig(layout: Layout, ports: Ports, ids: Accounts, oauth2: boolean): string {
  const noChroot = ids.chroot ? '' : '  chroot =\n';
  return `# generated by @twe/testing startDovecot(); nothing is read from /etc/dovecot
base_dir = ${layout.dir}/run
state_dir = ${layout.dir}/state
instance_name = ${basename(layout.dir)}
protocols = imap pop3
listen = ${HOST}
log_path = ${layout.log}
ssl = yes
ssl_cert = <${layout.cert}
ssl_key = <${layout.key}
disable_plaintext_auth = no
auth_mechanisms = plain login${oauth2 ? ' xoauth2 oauthbearer' : ''}
mail_location = maildir:${layout.mail}/%u
first_valid_uid = ${ids.mailUid}
first_valid_gid = ${ids.mailGid}
default_login_user = ${ids.loginUser}
default_internal_user = ${ids.internalUser}
default_internal_group = ${ids.internalGroup}
mail_max_userip_connections = 100
# Test speed: no 2 s pause after a failed login, and no per-IP penalty (2, 4, 8, 15 s added to every
# later login from 127.0.0.1, correct ones included, after a few failures); mode 0 on the penalty
# socket is Dovecot's documented switch for the latter.
auth_failure_delay = 0
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
${oauth2 ? '  mechanisms = plain login\n' : ''}  args = scheme=PLAIN username_format=%u ${layout.users}
}
${
  oauth2
    ? `passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${layout.oauth2}
}
`
    : ''
}userdb {
  driver = passwd-file
  args = username_format=%u ${layout.users}
}
service anvil {
${noChroot}  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
${noChroot}  inet_listener imap {
    port = ${ports.imap}
  }
  inet_listener imaps {
    port = ${ports.imaps}
    ssl = yes
  }
}
service pop3-login {
${noChroot}  inet_listener pop3 {
    port = ${ports.pop3}
  }
  inet_listener pop3s {
    port = ${ports.pop3s}
    ssl = yes
  }
}
`;
}

function renderOauth2Config(introspectionUrl: string): string {
  return `introspection_mode = post
introspection_url = ${introspectionUrl}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
`;
}

async function readLog(layout: Layout): Promise<string> {
  return readFile(layout.log, 'utf8').catch(() => '');
}

/** Starts `dovecot -F` and resolves once all four listeners accept connections. */
async function launch(binary: string, layout: Layout, ports: Ports): Promise<ChildProcess> {
  // Foreground mode keeps the master our child: we know its pid and see its exit (no zombie, no pid
  // file). `detached` makes it lead its own process group, which every Dovecot process joins.
  const master = spawn(binary, ['-F', '-c', layout.config], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  master.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let exited = false;
  master.once('exit', () => (exited = true));
  master.once('error', () => (exited = true));

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (const port of [ports.imap, ports.imaps, ports.pop3, ports.pop3s]) {
    while (!(await isPortOpen(HOST, port))) {
      if (exited || Date.now() > deadline) {
        if (!exited) await killInstance(master);
        const reason = `${stderr}\n${await readLog(layout)}`.trim();
        throw Object.assign(new Error(`Dovecot did not start (${layout.config}): ${reason}`), {
          addressInUse: /address already in use/i.test(reason),
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  if (exited)
    throw new Error(`Dovecot exited right after start (${layout.config}): ${await readLog(layout)}`);
  master.unref();
  // The stderr pipe is a net.Socket; unref it too, or it alone keeps the test process alive.
  (master.stderr as Socket | null)?.unref();
  return master;
}

/**
 * Kills the whole instance at once. A graceful SIGTERM to the master takes a second, and six when a
 * login process is still starting up (it waits 5 s for the stats/config sockets of services that
 * are already gone, and keeps the listening sockets open meanwhile). Nothing in a test instance
 * needs a clean shutdown: its folder is deleted next.
 */
async function killInstance(master: ChildProcess): Promise<void> {
  if (master.exitCode !== null || master.signalCode !== null || master.pid === undefined) return;
  const exited = new Promise<void>((resolve) => master.once('exit', () => resolve()));
  try {
    process.kill(-master.pid, 'SIGKILL');
  } catch {
    master.kill('SIGKILL'); // no process group (should not happen with `detached`)
  }
  await exited;
}

/** Instances not stopped yet, killed when the process exits so a forgotten stop() leaks nothing. */
const liveInstances = new Map<ChildProcess, string>();
process.once('exit', () => {
  for (const [master, dir] of liveInstances) {
    try {
      if (master.pid !== undefined) process.kill(-master.pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort while exiting
    }
  }
});

/**
 * Starts a private Dovecot (IMAP, IMAPS, POP3, POP3S on free loopback ports) in its own temp folder,
 * with its own base_dir/state_dir/instance_name, so instances never see each other.
 */
export async function startDovecot(options: DovecotOptions = {}): Promise<DovecotServer> {
  const binary = findDovecotBinary();
  if (binary === null) throw new Error(MISSING_DOVECOT);
  const users = [...(options.users ?? [])];
  users.forEach(assertPasswdFileSafe);

  const ids = await accounts();
  const layout = layoutOf(await mkdtemp(join(tmpdir(), 'twe-dovecot-')));
  try {
    // The login, auth and mail processes run as other users and must reach the files in here.
    await chmod(layout.dir, 0o755);
    await mkdir(layout.mail);
    await chown(layout.mail, ids.mailUid, ids.mailGid);
    const caCertPem = await makeCertificate(layout);
    await writeUsers(layout, users, ids);
    if (options.oauth2IntrospectionUrl !== undefined) {
      await writeFile(layout.oauth2, renderOauth2Config(options.oauth2IntrospectionUrl), { mode: 0o644 });
    }

    let master: ChildProcess | undefined;
    let ports: Ports | undefined;
    // A port picked as free can be taken before Dovecot binds it: pick new ones and try again.
    for (let attempt = 1; master === undefined; attempt++) {
      const [imap, imaps, pop3, pop3s] = await freePorts(4, HOST);
      ports = { imap, imaps, pop3, pop3s };
      await writeFile(
        layout.config,
        renderConfig(layout, ports, ids, options.oauth2IntrospectionUrl !== undefined),
      );
      try {
        master = await launch(binary, layout, ports);
      } catch (error) {
        if (!(error as { addressInUse?: boolean }).addressInUse || attempt >= 5) throw error;
        await rm(layout.log, { force: true });
      }
    }
    const running = master;
    const listening = ports as Ports;
    liveInstances.set(running, layout.dir);

    let stopping: Promise<void> | undefined;
    return {
      host: HOST,
      imapPort: listening.imap,
      imapsPort: listening.imaps,
      pop3Port: listening.pop3,
      pop3sPort: listening.pop3s,
      caCertPem,
      dir: layout.dir,
      async addUser(user, password) {
        const added = { user, password };
        assertPasswdFileSafe(added);
        users.push(added);
        await writeUsers(layout, users, ids);
        await nextWallClockSecond();
      },
      stop() {
        stopping ??= (async () => {
          await killInstance(running);
          liveInstances.delete(running);
          // Login processes inherit the listening sockets; wait until the last holder is gone.
          for (const port of Object.values(listening)) {
            await waitForPort(HOST, port, 'closed', STOP_TIMEOUT_MS);
          }
          await rm(layout.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
        })();
        return stopping;
      },
    };
  } catch (error) {
    await rm(layout.dir, { recursive: true, force: true });
    throw error;
  }
}
