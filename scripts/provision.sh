#!/usr/bin/env bash
# provision.sh — make this machine ready for the tests and the demo (Debian/Ubuntu, Node 20).
# Idempotent and quick when everything is already there: one line per item, non-zero exit with a
# reason when something cannot be provided.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "provision: not root and no sudo; run as root" >&2; exit 1; }
  SUDO=(sudo)
fi
# Debian keeps daemons in sbin, which is not on a normal user's PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

PG_HOST=127.0.0.1 PG_PORT=5432 REDIS_HOST=127.0.0.1 REDIS_PORT=6379

say() { printf '%-15s %s\n' "$1" "$2"; }
die() { printf '%-15s FAILED: %s\n' "$1" "$2" >&2; exit 1; }

apt_updated=no
apt_install() { # quiet on success, apt's output on failure
  local out
  if [[ $apt_updated == no ]]; then
    out=$("${SUDO[@]}" apt-get update -qq 2>&1) || { echo "$out" >&2; return 1; }
    apt_updated=yes
  fi
  out=$("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" 2>&1) ||
    { echo "$out" >&2; return 1; }
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_port() { # host port — up to ~15 s
  for _ in $(seq 1 150); do port_open "$1" "$2" && return 0; sleep 0.1; done
  return 1
}

# ---------- node_modules ----------
# npm writes node_modules/.package-lock.json last, so its mtime says when the install finished
# (the node_modules folder itself can be older than package-lock.json right after `npm ci`).
command -v node >/dev/null || die "node" "Node.js 20 is not installed"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "node_modules" "running npm ci"
  npm ci --no-audit --no-fund >/dev/null || die "node_modules" "npm ci failed"
  say "node_modules" "installed"
else
  say "node_modules" "up to date"
fi

# ---------- openssl ----------
if command -v openssl >/dev/null; then
  say "openssl" "present"
else
  apt_install openssl || die "openssl" "apt-get install openssl failed"
  say "openssl" "installed"
fi

# ---------- Dovecot (the tests start their own instances; no system service needed) ----------
if command -v dovecot >/dev/null && command -v doveadm >/dev/null; then
  say "dovecot" "present ($(dovecot --version 2>/dev/null | cut -d' ' -f1))"
else
  apt_install dovecot-imapd dovecot-pop3d || die "dovecot" "apt-get install dovecot-imapd dovecot-pop3d failed"
  command -v dovecot >/dev/null || die "dovecot" "installed, but the dovecot binary is not on PATH"
  say "dovecot" "installed ($(dovecot --version | cut -d' ' -f1))"
fi
id mail >/dev/null 2>&1 || die "dovecot" "the 'mail' system user is missing (Dovecot will not store mail as root)"

# ---------- docker-compose (only to validate the compose file offline; optional) ----------
if command -v docker-compose >/dev/null; then
  say "docker-compose" "present"
elif apt_install docker-compose; then
  say "docker-compose" "installed"
else
  say "docker-compose" "WARNING: could not install; the compose validation test will fail (install docker-compose)"
fi

# ---------- kubectl (only to render k8s/ offline in the deploy test) ----------
if command -v kubectl >/dev/null; then
  say "kubectl" "present"
elif apt_install kubectl; then
  say "kubectl" "installed"
else
  say "kubectl" "WARNING: not installed and not in this machine's apt sources; the k8s render test will fail (install kubectl)"
fi

# ---------- PostgreSQL ----------
pg_admin_url=${TEST_PG_ADMIN_URL:-postgres://postgres@$PG_HOST:$PG_PORT/postgres}
pg_login_ok() {
  node -e '
    const { Client } = require("pg");
    const client = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 5000 });
    client.connect().then(() => client.end()).then(() => process.exit(0), () => process.exit(1));
  ' "$pg_admin_url"
}
pg_installed_now=no
if port_open $PG_HOST $PG_PORT; then
  pg_state="reachable on $PG_HOST:$PG_PORT"
else
  if ! command -v pg_ctlcluster >/dev/null || [[ -z $(ls /etc/postgresql 2>/dev/null) ]]; then
    apt_install postgresql || die "postgresql" "apt-get install postgresql failed"
    pg_installed_now=yes
  fi
  pg_version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if ! port_open $PG_HOST $PG_PORT; then
    pg_out=$("${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start 2>&1) || true
    wait_port $PG_HOST $PG_PORT || die "postgresql" "cluster $pg_version/main did not open $PG_HOST:$PG_PORT: $pg_out"
  fi
  pg_state="started cluster $pg_version/main on $PG_HOST:$PG_PORT"
fi
if ! pg_login_ok && [[ $pg_installed_now == yes ]]; then
  # A fresh Debian cluster wants a password on TCP; the tests log in as postgres without one.
  hba=/etc/postgresql/$pg_version/main/pg_hba.conf
  "${SUDO[@]}" sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
  "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$pg_version" main reload
  sleep 1
  pg_state="$pg_state (loopback trust for postgres added)"
fi
pg_login_ok || die "postgresql" "cannot log in with $pg_admin_url (tests expect trust auth for postgres on loopback, or set TEST_PG_ADMIN_URL)"
say "postgresql" "$pg_state"

# ---------- Redis ----------
if port_open $REDIS_HOST $REDIS_PORT; then
  say "redis" "reachable on $REDIS_HOST:$REDIS_PORT"
else
  command -v redis-server >/dev/null || apt_install redis-server || die "redis" "apt-get install redis-server failed"
  if ! port_open $REDIS_HOST $REDIS_PORT; then # the package's own service may have started it
    "${SUDO[@]}" redis-server --daemonize yes --bind 127.0.0.1 -::1 --port $REDIS_PORT --save "" --appendonly no >/dev/null
    wait_port $REDIS_HOST $REDIS_PORT || die "redis" "redis-server did not open $REDIS_HOST:$REDIS_PORT"
  fi
  say "redis" "started on $REDIS_HOST:$REDIS_PORT"
fi

say "provision" "ok"
