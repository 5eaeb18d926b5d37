"""A real streaming replica of this machine's PostgreSQL, for the tests and the bench.

``Standby().start()`` takes ``pg_basebackup -R -X stream`` of the primary (the whole
cluster: a physical replica cannot pick databases) into a temporary directory and starts
it on a free port with ``hot_standby`` on, as the ``postgres`` OS user (through
``runuser`` when run as root). The primary's ``pg_hba.conf`` needs a ``replication``
line for 127.0.0.1 (``.ci/run`` adds it); without it ``start()`` raises
``ReplicationRefused``.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


class ReplicationRefused(RuntimeError):
    pass


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Standby:
    def __init__(self, *, primary_host="127.0.0.1", primary_port=5432, user="postgres"):
        self.primary_host, self.primary_port, self.user = primary_host, primary_port, user
        self.port = None
        self.root = None

    # --- processes ---------------------------------------------------------------------
    def _as_postgres(self, *command, check=True, timeout=600):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *map(str, command)],
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    @property
    def data(self):
        return self.root / "data"

    def start(self):
        """Base backup, configure, start, wait until it accepts connections."""
        self.root = Path(tempfile.mkdtemp(prefix="aftersales-standby-"))
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.port = _free_port()
        backup = self._as_postgres(
            PG_BIN / "pg_basebackup",
            "-h", self.primary_host, "-p", self.primary_port, "-U", self.user,
            "-D", self.data, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
            check=False,
        )  # fmt: skip
        if backup.returncode != 0:
            message = backup.stderr.strip()
            self.cleanup()
            if "replication" in message and ("pg_hba" in message or "no pg_hba" in message):
                raise ReplicationRefused(
                    "the primary refuses replication connections: add "
                    "'host replication postgres 127.0.0.1/32 trust' to its pg_hba.conf and "
                    f"reload (.ci/run does it). pg_basebackup said: {message}"
                )
            raise RuntimeError(f"pg_basebackup failed: {message}")
        # Debian keeps postgresql.conf and pg_hba.conf under /etc: the copy has none. A
        # standby needs at least the primary's connection and worker limits.
        limits = self._run(
            "SELECT name, setting FROM pg_settings WHERE name IN ('max_connections',"
            " 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions',"
            " 'max_locks_per_transaction')",
            self.primary_port,
        )
        (self.data / "postgresql.conf").write_text(
            "".join(f"{name} = {value}\n" for name, value in limits) + f"port = {self.port}\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.root}'\n"
            "hot_standby = on\n"
            "shared_buffers = 64MB\n"
            "jit = off\n"
            "fsync = off\n"
            "logging_collector = off\n"
        )
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        (self.data / "pg_ident.conf").write_text("")
        if os.geteuid() == 0:
            for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
                shutil.chown(self.data / name, "postgres", "postgres")
        self.resume_server()
        return self

    def resume_server(self):
        """Start the server (again, after ``stop()``): it streams from where it was."""
        started = self._as_postgres(
            PG_BIN / "pg_ctl", "-D", self.data, "-l", self.root / "log", "-w", "-t", "60",
            "start", check=False,
        )  # fmt: skip
        if started.returncode != 0:
            log = (self.root / "log").read_text()[-2000:]
            raise RuntimeError(f"the standby did not start:\n{log}")

    def stop(self, mode="immediate"):
        """Stop the server (``immediate``: as if it died)."""
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def cleanup(self):
        if self.root is None:
            return
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    # --- SQL ---------------------------------------------------------------------------
    def _run(self, sql, port):
        conn = psycopg2.connect(
            host=self.primary_host if port == self.primary_port else "127.0.0.1",
            port=port, user=self.user, dbname="postgres", connect_timeout=5,
        )  # fmt: skip
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()
        finally:
            conn.close()

    def execute(self, sql):
        """Rows of ``sql`` run on the standby."""
        return self._run(sql, self.port)

    def pause_replay(self):
        self.execute("SELECT pg_wal_replay_pause()")

    def resume_replay(self):
        self.execute("SELECT pg_wal_replay_resume()")

    def wait_caught_up(self, timeout=30.0):
        """Until everything the primary wrote so far is replayed here; seconds taken."""
        started = time.monotonic()
        (target,) = self._run("SELECT pg_current_wal_lsn()", self.primary_port)[0]
        while time.monotonic() - started < timeout:
            (caught_up,) = self.execute(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0]
            if caught_up:
                return time.monotonic() - started
            time.sleep(0.02)
        raise TimeoutError(f"the standby did not replay up to {target} within {timeout} s")

    def settings_for(self, primary_settings):
        """A Django DATABASES entry for this standby, from the primary's."""
        return {**primary_settings, "HOST": "127.0.0.1", "PORT": self.port}

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
