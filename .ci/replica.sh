#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL primary, for as long as a command runs:
#
#   .ci/replica.sh [COMMAND ...]
#
# Copies the primary (pg_basebackup over replication, as user postgres) into a temporary
# directory, starts it on its own port as a hot standby, waits until it is in recovery and
# streaming, then runs COMMAND with LINLI_DATABASE_REPLICA_URL pointing at it (without a
# command: prints the URL and waits for Ctrl-C). On exit the replica is stopped and its
# directory removed.
#
# The primary must accept replication connections from 127.0.0.1; when its pg_hba.conf
# has no such rule, the script puts `host replication all 127.0.0.1/32 trust` first and
# reloads the primary (once: a second run finds the line).
#
# Environment: PGHOST/PGPORT (the primary; 127.0.0.1:5432), REPLICA_PORT (first port
# tried; 5433), LINLI_DATABASE_URL (its database name is used in the replica's URL).
set -euo pipefail

PRIMARY_HOST=${PGHOST:-127.0.0.1}
PRIMARY_PORT=${PGPORT:-5432}
PORT=${REPLICA_PORT:-5433}

say() { printf 'replica: %s\n' "$*" >&2; }
primary() { psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -d postgres -qAtX "$@"; }

# The server binaries of the primary's major version (else the newest installed).
major=$(( $(primary -c "SHOW server_version_num") / 10000 ))
PGBIN=/usr/lib/postgresql/$major/bin
if [ ! -x "$PGBIN/pg_ctl" ]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
[ -x "$PGBIN/pg_ctl" ] || { say "no PostgreSQL server binaries under /usr/lib/postgresql"; exit 1; }

# The server refuses to run as root: run it (and the copy it starts from) as postgres.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# --- the primary accepts replication from 127.0.0.1 ----------------------------------------
RULE="host replication all 127.0.0.1/32 trust"
hba=$(primary -c "SHOW hba_file")
if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
  say "adding '$RULE' to $hba and reloading the primary"
  # First rule wins in pg_hba.conf: put it above every other. Rewritten in place, so the
  # file keeps its owner and mode.
  new=$( { printf '# streaming replicas on this machine (.ci/replica.sh)\n%s\n' "$RULE"; cat "$hba"; } )
  printf '%s\n' "$new" > "$hba"
  primary -c "SELECT pg_reload_conf()" >/dev/null
fi

# --- a free port -------------------------------------------------------------------------
while "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" || [ $? -eq 1 ]; do
  PORT=$((PORT + 1))
  [ "$PORT" -lt $(( ${REPLICA_PORT:-5433} + 20 )) ] || { say "no free port"; exit 1; }
done

DIR=$(mktemp -d -t linli-replica.XXXXXX)
chmod 755 "$DIR"
[ "$(id -u)" -ne 0 ] || chown postgres: "$DIR"
DATA=$DIR/data

cleanup() {
  if [ -f "$DATA/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- copy the primary and start the copy as a standby --------------------------------------
say "copying the primary $PRIMARY_HOST:$PRIMARY_PORT into $DATA"
as_pg "$PGBIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$DATA" \
  -X stream -R -c fast --no-sync

# A hot standby needs at least the primary's values of these.
settings=$(primary -F ' ' -c "SELECT name, setting FROM pg_settings WHERE name IN
  ('max_connections', 'max_worker_processes', 'max_wal_senders',
   'max_prepared_transactions', 'max_locks_per_transaction')")
{
  echo "port = $PORT"
  echo "listen_addresses = '127.0.0.1'"
  echo "unix_socket_directories = '$DIR'"
  echo "hot_standby = on"
  echo "shared_buffers = 32MB"
  echo "fsync = off"
  while read -r name value; do echo "$name = $value"; done <<< "$settings"
} | as_pg tee "$DATA/postgresql.conf" >/dev/null
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | as_pg tee "$DATA/pg_hba.conf" >/dev/null
printf '' | as_pg tee "$DATA/pg_ident.conf" >/dev/null

say "starting the standby on 127.0.0.1:$PORT"
as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 start >/dev/null

replica() { psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qAtX "$@"; }
state=""
for _ in $(seq 1 120); do
  state=$(replica -c "SELECT pg_is_in_recovery()::text || ' ' ||
    coalesce((SELECT status FROM pg_stat_wal_receiver), 'none')" 2>/dev/null || true)
  [ "$state" = "true streaming" ] && break
  sleep 0.5
done
if [ "$state" != "true streaming" ]; then
  say "the standby is not streaming (state: '${state:-no answer}'); its log:"
  cat "$DIR/server.log" >&2
  exit 1
fi

dbname=postgres
if [ -n "${LINLI_DATABASE_URL:-}" ]; then
  dbname=${LINLI_DATABASE_URL##*/}
  dbname=${dbname%%\?*}
fi
export LINLI_DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:$PORT/$dbname"
say "in recovery and streaming: LINLI_DATABASE_REPLICA_URL=$LINLI_DATABASE_REPLICA_URL"

if [ $# -gt 0 ]; then
  "$@"
else
  say "Ctrl-C stops and removes it"
  while :; do sleep 3600; done
fi
