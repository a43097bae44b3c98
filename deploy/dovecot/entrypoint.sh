#!/bin/sh
# Entry point of the compose `dovecot` service: renders the passwd-file from users.template with
# DOVECOT_PASSWORD, then runs Dovecot in the foreground under the image's tini.
# Paths can be overridden (DOVECOT_USERS_TEMPLATE, DOVECOT_USERS_FILE) to try the script outside
# the container; DOVECOT_RENDER_ONLY=1 stops after rendering.
set -eu

template=${DOVECOT_USERS_TEMPLATE:-/etc/dovecot/users.template}
users_file=${DOVECOT_USERS_FILE:-/etc/dovecot/users}

if [ -z "${DOVECOT_PASSWORD:-}" ]; then
  echo "dovecot: DOVECOT_PASSWORD is not set (the test mailboxes' password)" >&2
  exit 1
fi
# A colon ends the password field of a passwd-file; a newline would start a new entry.
case $DOVECOT_PASSWORD in
  *:* | *'
'*)
    echo "dovecot: DOVECOT_PASSWORD must not contain ':' or a newline" >&2
    exit 1
    ;;
esac

umask 027
# Literal replacement (no regex, so '&' or '\' in the password stay as they are); comments and blank
# lines are dropped.
awk '
  BEGIN { token = "${DOVECOT_PASSWORD}"; password = ENVIRON["DOVECOT_PASSWORD"] }
  /^[[:space:]]*(#|$)/ { next }
  {
    line = $0; out = ""
    while ((at = index(line, token)) > 0) {
      out = out substr(line, 1, at - 1) password
      line = substr(line, at + length(token))
    }
    print out line
  }
' "$template" >"$users_file.tmp"
mv "$users_file.tmp" "$users_file"
# The auth process runs as the `dovecot` user and reads the file itself.
if getent group dovecot >/dev/null 2>&1; then chgrp dovecot "$users_file"; fi

if [ "${DOVECOT_RENDER_ONLY:-0}" = 1 ]; then exit 0; fi
exec /usr/bin/tini -- /usr/sbin/dovecot -F
