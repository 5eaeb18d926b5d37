#!/bin/sh
# First start of the primary (docker-entrypoint-initdb.d): let the optional read replica
# (docker-compose.yml, profile "replica") stream from it over the compose network.
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
