#!/bin/sh
# Creates one database per service, each owned by a login role of the same
# name, so that a service can reach only its own data. The postgres image
# runs this once, when its data volume is empty (docker-entrypoint-initdb.d).
# On an existing volume, run the same statements by hand for a new service.
#
# GT_DATABASES: the services, space-separated ("organisations teams planning kpis").
# GT_DB_PASSWORD: the services' password (compose passes a development one).
set -eu
for db in $GT_DATABASES; do
	psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
		-v db="$db" -v password="$GT_DB_PASSWORD" <<'SQL'
CREATE ROLE :"db" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"db";
-- Only the owner connects; PUBLIC may by default.
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
done
