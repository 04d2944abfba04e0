#!/bin/sh
# The role the read replica (`db-replica` in compose.yaml) streams the primary's WAL as, and the line of
# pg_hba.conf that lets it in. Runs once, when the primary's cluster is created.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c "CREATE ROLE lotse_replication WITH REPLICATION LOGIN PASSWORD 'lotse_replication'"
echo "host replication lotse_replication all scram-sha-256" >> "$PGDATA/pg_hba.conf"
