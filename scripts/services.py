"""Probe the PostgreSQL and Redis this machine may offer; used by scripts/test and .ci/run."""

import os
import sys

PG_URL = os.environ.get("AFTERSALES_PG_URL", "postgres://postgres@127.0.0.1:5432/aftersales")
REDIS_URL = os.environ.get("AFTERSALES_REDIS_URL", "redis://127.0.0.1:6379/0")


def postgres_ok(url=PG_URL):
    import psycopg2

    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        psycopg2.connect(admin, connect_timeout=3).close()
        return True
    except psycopg2.OperationalError:
        return False


def redis_ok(url=REDIS_URL):
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=3).ping())
    except redis.RedisError:
        return False


if __name__ == "__main__":
    # Prints shell assignments for the services that answer.
    if postgres_ok():
        print(f"export DATABASE_URL={PG_URL}")
    if redis_ok():
        print(f"export REDIS_URL={REDIS_URL}")
    sys.exit(0)
