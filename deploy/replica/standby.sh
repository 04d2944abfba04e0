#!/bin/sh
# The read replica: on its first start a base backup of the primary (`db`), written as a hot standby that streams
# the primary's WAL from then on (pg_basebackup --write-recovery-conf); every start then runs PostgreSQL on it.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready --host db --port 5432 --quiet; do sleep 1; done
  PGPASSWORD=lotse_replication pg_basebackup --host db --port 5432 --username lotse_replication \
    --pgdata "$PGDATA" --wal-method stream --write-recovery-conf --checkpoint fast
  chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on
