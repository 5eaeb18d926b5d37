"""A real IMAP server for the e-mail intake's tests: Debian's Dovecot, started by the tests.

``dovecot`` (session fixture) runs ``/usr/sbin/dovecot -F`` as an unprivileged process
(``nobody`` when the tests run as root, else the current user) with its own
configuration in a temporary folder: passwd-file accounts, Maildir under that folder,
plain IMAP on 127.0.0.1 on the first free port of 8820-8829, no SSL, plain-text sign-in
allowed. Each test takes a fresh account (``dovecot.account()``), so tests never see
each other's mail. With ``CI=true`` a missing Dovecot fails the test run, never skips it
(``apt-get install dovecot-imapd``).
"""

import contextlib
import grp
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted

DOVECOT = "/usr/sbin/dovecot"
PORTS = range(8820, 8830)
ACCOUNTS = 500
PASSWORD = "imap-test-password"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
mail_location = maildir:{root}/mail/%u
# A throw-away server: no fsync per message (the intake's own commits are what is measured).
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


def _port_free(port):
    with contextlib.closing(socket.socket()) as probe:
        # As Dovecot binds: a port left in TIME_WAIT by an earlier run counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def start_dovecot(root):
    """A started ``Dovecot`` under ``root``, on the first port of ``PORTS`` it could take
    (another test process may take a port between the check and Dovecot's bind)."""
    user, group = _unprivileged()
    failures = []
    for port in PORTS:
        if not _port_free(port):
            continue
        server = Dovecot(root, port, user, group)
        try:
            return server.start()
        except RuntimeError as exc:
            server.stop()
            failures.append(f"{port}: {exc}")
    raise RuntimeError(f"Dovecot could not listen on {PORTS.start}-{PORTS.stop - 1}: {failures}")


@dataclass
class Account:
    """One IMAP account of the test server."""

    server: "Dovecot"
    username: str
    password: str

    def client(self, folder="INBOX"):
        client = MailBoxUnencrypted("127.0.0.1", self.server.port, timeout=10)
        return client.login(self.username, self.password, initial_folder=folder)

    def append(self, raw, folder="INBOX"):
        """Deliver the message ``raw`` (bytes) into ``folder``, as an MTA would."""
        with self.client() as client:
            if not client.folder.exists(folder):
                client.folder.create(folder)
            client.append(raw, folder, flag_set=())

    def messages(self, folder="INBOX"):
        """``[(flags, subject)]`` of the messages in ``folder`` (none when it is missing)."""
        with self.client() as client:
            if not client.folder.exists(folder):
                return []
            client.folder.set(folder)
            return [
                (set(message.flags), message.subject)
                for message in client.fetch(mark_seen=False, headers_only=True)
            ]


class Dovecot:
    """The running server: its port and a factory of fresh accounts."""

    def __init__(self, root, port, user, group):
        self.root, self.port, self.user, self.group = Path(root), port, user, group
        self._names = itertools.count(1)
        self.process = None

    def start(self):
        # Every account up front: Dovecot notices a changed passwd-file by its mtime in
        # whole seconds, so accounts added while it runs may stay unknown for a second.
        (self.root / "passwd").write_text(
            "".join(f"{self._name(n)}:{{PLAIN}}{PASSWORD}\n" for n in range(1, ACCOUNTS + 1))
        )
        (self.root / "mail").mkdir(exist_ok=True)
        config = self.root / "dovecot.conf"
        config.write_text(
            CONFIG.format(root=self.root, port=self.port, user=self.user, group=self.group)
        )
        self._chown(self.root)
        as_root = os.geteuid() == 0
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "stderr.log", "wb"),  # noqa: SIM115 - lives as long as the process
            user=self.user if as_root else None,
            group=self.group if as_root else None,
            extra_groups=[] if as_root else None,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Dovecot exited: {self.log()}")
            with contextlib.closing(socket.socket()) as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"Dovecot did not listen on {self.port}: {self.log()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self):
        texts = []
        for name in ("stderr.log", "dovecot.log"):
            path = self.root / name
            if path.exists():
                texts.append(path.read_text(errors="replace")[-4000:])
        return "\n".join(texts)

    def _chown(self, path):
        if os.geteuid() != 0:
            return
        uid, gid = pwd.getpwnam(self.user).pw_uid, grp.getgrnam(self.group).gr_gid
        for item in [path, *path.rglob("*")]:
            os.chown(item, uid, gid)

    @staticmethod
    def _name(n):
        return f"box{n}@example.test"

    def account(self):
        """An account no test has used yet (``box<n>@example.test``)."""
        n = next(self._names)
        if n > ACCOUNTS:
            raise RuntimeError(f"more than {ACCOUNTS} accounts asked of the test Dovecot")
        return Account(server=self, username=self._name(n), password=PASSWORD)


def _unprivileged():
    """The user and group to run Dovecot as: nobody/nogroup for root, else ourselves."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return nobody.pw_name, grp.getgrgid(nobody.pw_gid).gr_name
    return pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name


def require_dovecot(binary=DOVECOT):
    """Fail (CI) or skip (a developer's machine) when Dovecot is not installed."""
    if not (os.path.exists(binary) and os.access(binary, os.X_OK)):
        message = f"Dovecot is not installed at {binary} (apt-get install dovecot-imapd)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def dovecot():
    require_dovecot()
    root = tempfile.mkdtemp(prefix="aftersales-dovecot-")
    os.chmod(root, 0o755)
    server = None
    try:
        server = start_dovecot(root)
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
