#!/usr/bin/env bash
# Prepare the PostGIS side of bench/bench_deconfliction.py.
#
# Why: the benchmark answers the same deconfliction queries with PostGIS (GiST indexes on
# geography and on a tstzrange) next to the in-memory index, so the two can be compared and their
# answers checked against each other. It needs PostgreSQL 15 with PostGIS 3, a database
# `liaison_bench` on 127.0.0.1:5432, user postgres, trust authentication on the loopback address.
# Idempotent: safe to run again.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "postgis_setup.sh: run as root (it installs packages and edits pg_hba.conf)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq postgresql-15 postgresql-15-postgis-3 >/dev/null
fi

if ! pg_lsclusters -h | awk '$1 == "15" && $2 == "main"' | grep -q .; then
  pg_createcluster 15 main
fi

HBA=/etc/postgresql/15/main/pg_hba.conf
# Trust on loopback only: the benchmark is a local, throw-away database.
if ! grep -q '^host all all 127.0.0.1/32 trust' "$HBA"; then
  sed -i '/^host[[:space:]]\+all[[:space:]]\+all[[:space:]]\+127.0.0.1\/32/d' "$HBA"
  sed -i '1i host all all 127.0.0.1/32 trust' "$HBA"
fi

pg_ctlcluster 15 main start 2>/dev/null || true
pg_ctlcluster 15 main reload

for _ in $(seq 1 30); do
  if psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    break
  fi
  sleep 1
done

if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc \
    "select 1 from pg_database where datname = 'liaison_bench'" | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc 'create database liaison_bench'
fi
psql -h 127.0.0.1 -U postgres -d liaison_bench -qc 'create extension if not exists postgis'
psql -h 127.0.0.1 -U postgres -d liaison_bench -Atc 'select postgis_full_version()'
