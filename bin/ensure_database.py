"""Create the database named in DATABASE_URL if it is missing; explain what to do if PostgreSQL is unreachable."""

import os
import sys

import dj_database_url
import psycopg

url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ejournal")
cfg = dj_database_url.parse(url)
params = {
    "host": cfg.get("HOST") or "127.0.0.1",
    "port": cfg.get("PORT") or 5432,
    "user": cfg.get("USER") or "postgres",
    "password": cfg.get("PASSWORD") or None,
}
try:
    conn = psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **params)
except psycopg.OperationalError as exc:
    sys.stderr.write(
        f"\nPostgreSQL is not reachable at {params['host']}:{params['port']} ({exc.__class__.__name__}).\n"
        "Either start it and point DATABASE_URL at it, e.g.\n"
        "    export DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/ejournal\n"
        "or start the bundled one with Docker:\n"
        "    docker compose up -d db redis\n"
        "    export DATABASE_URL=postgres://ejournal:ejournal@127.0.0.1:5432/ejournal\n"
        "then run `make run` again.\n"
    )
    sys.exit(2)
with conn:
    name = cfg["NAME"]
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not exists:
        conn.execute(f'CREATE DATABASE "{name}"')
        print(f"Created database {name}.")
