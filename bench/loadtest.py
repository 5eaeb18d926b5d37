"""Load test: gunicorn on loopback under bench/locustfile.py's mix; prints req/s and p95.

python -m bench.loadtest [--users 50] [--duration 60] [--spawn-rate 10] [--settle 5]
                         [--workers N] [--worker-class sync|gthread] [--threads N]
                         [--wait 0.5-2] [--out FILE] [--top]

Starts gunicorn (``aftersales.wsgi`` with ``aftersales/gunicorn.py``'s configuration unless
``--workers/--worker-class/--threads`` say otherwise, ``aftersales.settings.bench``) on a free
127.0.0.1 port against the bench database, starts the simulated users (each signs in once:
a deliberately slow password hash), waits until every user has signed in plus ``--settle``
seconds, then measures for ``--duration`` seconds and prints one markdown row per request
name and the aggregate. Gunicorn is always stopped (its whole process group), also on an
error or Ctrl-C; its log is kept in a temporary file whose tail is printed when anything
failed. Exit status 1 when more than 1 % of the requests failed, 2 when the server did not
come up.
"""

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aftersales_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SIGN_IN = ("/api/v1/auth/token/", "POST")
MAX_FAILURE_RATIO = 0.01


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50, help="simulated users (default 50)")
    parser.add_argument(
        "--duration",
        type=seconds,
        default=60,
        help="measured seconds after warm-up: 60, 60s or 2m (default 60)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn worker processes (default: aftersales/gunicorn.py's, WEB_WORKERS)",
    )
    parser.add_argument(
        "--worker-class",
        choices=["sync", "gthread"],
        default=None,
        help="gunicorn worker class (default: aftersales/gunicorn.py's, WEB_WORKER_CLASS)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads per gthread worker (default: aftersales/gunicorn.py's, WEB_THREADS)",
    )
    parser.add_argument(
        "--wait",
        type=think_time,
        default=(0.5, 2.0),
        help="each simulated user's think time between tasks, MIN-MAX seconds (default 0.5-2)",
    )
    parser.add_argument(
        "--spawn-rate", type=float, default=10, help="users started per second (default 10)"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=5,
        help="seconds of load between the last sign-in and the measurement (default 5)",
    )
    parser.add_argument(
        "--sign-in-storm",
        action="store_true",
        help="hold every user after signing in until all have, so the sign-in storm is "
        "timed alone (default: the first users work while the last sign in)",
    )
    parser.add_argument(
        "--sign-in-timeout",
        type=float,
        default=180,
        help="give up when the users have not all signed in after this (default 180 s)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        help=f"a bench database (default $DATABASE_URL or {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--out", default=None, help="also write the report to this file")
    parser.add_argument(
        "--top", action="store_true", help="print `top -b` (a 2-s frame) taken halfway through"
    )
    args = parser.parse_args(argv)
    if args.users < 1 or args.duration <= 0 or args.spawn_rate <= 0:
        parser.error("--users, --duration and --spawn-rate must be positive")
    if (args.workers is not None and args.workers < 1) or (
        args.threads is not None and args.threads < 1
    ):
        parser.error("--workers and --threads must be positive")
    for url in (args.database_url, args.redis_url):
        if urllib.parse.urlsplit(url).hostname not in LOOPBACK:
            parser.error(f"the load test runs on loopback only: {url}")
    if "bench" not in urllib.parse.urlsplit(args.database_url).path:
        parser.error(f"the load test writes tickets: use a bench database, not {args.database_url}")
    return args


def server_config(args):
    """What gunicorn runs: the command line's values, else aftersales/gunicorn.py's."""
    from aftersales import gunicorn as defaults

    worker_class = args.worker_class or defaults.worker_class
    workers = args.workers or defaults.workers
    if worker_class == "gthread":
        return f"{workers} gthread workers × {args.threads or defaults.threads} threads"
    return f"{workers} sync workers"


def think_time(text):
    """0.5-2 -> (0.5, 2.0)."""
    try:
        low, high = (float(part) for part in text.split("-", 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a MIN-MAX think time: {text!r}") from None
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"not a MIN-MAX think time: {text!r}")
    return low, high


def seconds(text):
    """60, 60s, 1.5m -> seconds."""
    factor = {"s": 1, "m": 60}.get(text[-1:])
    try:
        return float(text[:-1]) * factor if factor else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r}") from None


# --- gunicorn ------------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn in its own process group, logging to a file; ``stop()`` ends the group."""

    def __init__(self, *, workers, worker_class, threads, database_url, redis_url, log_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "aftersales.settings.bench",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "AUTH_THROTTLE_RATE": "100000/min",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("BENCH_DATABASE_NAME", None)  # the database is the one in DATABASE_URL
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            # The production configuration (workers, class, threads), overridden below.
            "--config",
            "python:aftersales.gunicorn",
            "aftersales.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            *(["--workers", str(workers)] if workers else []),
            *(["--worker-class", worker_class] if worker_class else []),
            *(["--threads", str(threads)] if threads else []),
            "--access-logfile",
            "/dev/null",
            "--timeout",
            "120",
            "--graceful-timeout",
            "10",
            "--log-level",
            "info",
            "--error-logfile",
            "-",
            "--no-control-socket",  # no socket file under ~/.gunicorn shared with other runs
        ]
        self.log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: master and workers end together
        )

    def wait_ready(self, timeout=60):
        """Until an API request gets any HTTP answer (401: no credentials)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                urllib.request.urlopen(f"{self.url}/api/v1/tickets/", timeout=2)
                return True
            except urllib.error.HTTPError:
                return True
            except OSError:
                time.sleep(0.3)
        return False

    def stop(self):
        if self.process.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired, ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)  # graceful: master stops workers
                self.process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # what is left of the group, if any
        if self.process.poll() is None:
            self.process.wait(timeout=10)
        self.log.close()

    def log_tail(self, lines=60):
        try:
            text = Path(self.log_path).read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


# --- CPU accounting from /proc --------------------------------------------------------------


def _processes():
    """pid -> (ppid, comm, utime+stime ticks) for every process we can read."""
    result = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # utime + stime + the reaped children's (PostgreSQL's parallel workers come and go)
        result[int(entry)] = (int(fields[1]), comm, sum(int(v) for v in fields[11:15]))
    return result


def _machine():
    """The first line of /proc/stat: user nice system idle iowait irq softirq steal ..."""
    with open("/proc/stat") as handle:
        return [int(v) for v in handle.readline().split()[1:8]]


def cpu_sample():
    return _processes(), _machine()


def cpu_usage(before, after, seconds, server_pid):
    """Percent of one core per process group over the window (per-process deltas; a
    process that ended in the window is missed), and the machine's busy share of all cores."""
    ticks = os.sysconf("SC_CLK_TCK")
    groups = {"gunicorn": 0.0, "postgres": 0.0, "redis": 0.0, "load generator": 0.0}
    others = {}
    for pid, (ppid, comm, used) in after[0].items():
        delta = used - before[0].get(pid, (0, "", 0))[2]
        if delta <= 0:
            continue
        share = 100 * delta / ticks / seconds
        if pid == server_pid or ppid == server_pid:
            groups["gunicorn"] += share
        elif comm == "postgres":
            groups["postgres"] += share
        elif comm.startswith("redis-server"):
            groups["redis"] += share
        elif pid == os.getpid():
            groups["load generator"] += share
        else:
            others[comm] = others.get(comm, 0) + share
    groups["other processes"] = sum(others.values())
    top_others = sorted(others.items(), key=lambda item: -item[1])[:3]
    machine = [b - a for a, b in zip(before[1], after[1], strict=True)]
    total = sum(machine) or 1
    names = ("user", "nice", "system", "idle", "iowait", "irq", "softirq")
    cores = os.cpu_count() or 1
    shares = {name: 100 * cores * value / total for name, value in zip(names, machine, strict=True)}
    return groups, top_others, shares


# --- report ----------------------------------------------------------------------------------


def row(name, entry, seconds):
    return (
        f"| {name} | {entry.num_requests} | {entry.num_failures} "
        f"| {entry.num_requests / seconds:.1f} | {entry.median_response_time:.0f} "
        f"| {entry.get_response_time_percentile(0.95):.0f} |"
    )


def report(*, args, counts, stats, window, sign_in, cpu, load_before, load_after):
    cores = os.cpu_count()
    mix = ", ".join(f"{n} {name.removesuffix('User').lower()}s" for name, n in counts.items())
    lines = [
        f"Load test: {args.users} users ({mix}), "
        f"think time {args.wait[0]:g}-{args.wait[1]:g} s, {window:.0f} s measured "
        f"after sign-in + {args.settle:g} s settle; gunicorn {server_config(args)}; "
        f"{cores} cores; load average before {load_before}, after {load_after}",
        "",
        "| request | requests | failures | req/s | median ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key in sorted(stats.entries, key=lambda k: (k[0], k[1])):
        entry = stats.entries[key]
        if entry.num_requests or entry.num_failures:
            lines.append(row(f"{key[1]} {key[0]}", entry, window))
    lines.append(row("**all**", stats.total, window))
    lines.append("")
    lines.append(
        f"Sign-in (before the window, not in the table): {sign_in['requests']} requests, "
        f"{sign_in['failures']} failed, median {sign_in['median']:.0f} ms, "
        f"p95 {sign_in['p95']:.0f} ms, all signed in after {sign_in['seconds']:.1f} s"
        + (" (a storm: each user held until all were in)" if args.sign_in_storm else "")
    )
    usage, top_others, machine = cpu
    others = ", ".join(f"{name} {value:.0f}" for name, value in top_others if value >= 1)
    busy = 100 * (cores or 1) - machine["idle"] - machine["iowait"]
    lines.append(
        "CPU in the window (% of one core): "
        + ", ".join(f"{name} {value:.0f}" for name, value in usage.items())
        + (f" ({others})" if others else "")
        + f"; machine busy {busy:.0f} of {100 * (cores or 1)} ("
        + ", ".join(f"{name} {value:.0f}" for name, value in machine.items() if name != "idle")
        + ")"
    )
    return "\n".join(lines)


def error_lines(errors):
    lines = []
    for error in sorted(errors.values(), key=lambda e: -e.occurrences)[:15]:
        lines.append(f"  {error.occurrences}x {error.method} {error.name}: {error.error}")
    return lines


def loadavg():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


# --- main ------------------------------------------------------------------------------------


def run(args, server):
    # Imported here: locust monkey-patches the standard library with gevent on import.
    import gevent
    from locust import between, events
    from locust.env import Environment

    from bench import locustfile

    locustfile.FIXTURES.load(args.database_url)
    locustfile.SIGN_INS.reset()
    if args.sign_in_storm:
        locustfile.SIGN_INS.hold(args.users, args.sign_in_timeout)
    user_classes = [locustfile.AgentUser, locustfile.TechnicianUser, locustfile.IntegratorUser]
    locustfile.ApiUser.wait_time = between(*args.wait)
    env = Environment(user_classes=user_classes, host=server.url, events=events)
    runner = env.create_local_runner()
    try:
        load_before = loadavg()
        started = time.monotonic()
        runner.start(args.users, spawn_rate=args.spawn_rate)
        deadline = started + args.sign_in_timeout
        signed = locustfile.SIGN_INS
        while signed.done + signed.failed < args.users:
            if time.monotonic() > deadline:
                print(f"Only {signed.done} of {args.users} users signed in.", file=sys.stderr)
                break
            gevent.sleep(0.2)
        signed_in_after = time.monotonic() - started
        gevent.sleep(args.settle)
        entry = env.stats.get(*SIGN_IN)
        sign_in = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "median": entry.median_response_time or 0,
            "p95": entry.get_response_time_percentile(0.95) or 0,
            "seconds": signed_in_after,
        }
        warmup_requests = env.stats.total.num_requests
        warmup_failures = env.stats.total.num_failures
        warmup_errors = error_lines(env.stats.errors)
        env.stats.reset_all()

        before = cpu_sample()
        window_start = time.monotonic()
        top = None
        if args.top:
            gevent.sleep(args.duration / 2)
            top = subprocess.run(
                ["top", "-b", "-n2", "-d", "2", "-w", "160"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            # The second frame (CPU over 2 s), its first 25 lines.
            top = "top - " + top.split("\ntop - ")[-1]
            top = "\n".join(top.splitlines()[:25])
            gevent.sleep(max(0.0, args.duration - (time.monotonic() - window_start)))
        else:
            gevent.sleep(args.duration)
        window = time.monotonic() - window_start
        after = cpu_sample()
        load_after = loadavg()
        counts = dict(runner.user_classes_count)
    finally:
        runner.quit()

    output = report(
        args=args,
        counts=counts,
        stats=env.stats,
        window=window,
        sign_in=sign_in,
        cpu=cpu_usage(before, after, window, server.process.pid),
        load_before=load_before,
        load_after=load_after,
    )
    requests = warmup_requests + env.stats.total.num_requests
    failures = warmup_failures + env.stats.total.num_failures
    problems = []
    if warmup_errors:
        problems += ["Failures before the window:", *warmup_errors]
    window_errors = error_lines(env.stats.errors)
    if window_errors:
        problems += ["Failures in the window:", *window_errors]
    return output, top, requests, failures, problems


def main(argv=None):
    args = parse_args(argv)
    log_dir = tempfile.mkdtemp(prefix="aftersales-loadtest-")
    log_path = os.path.join(log_dir, "gunicorn.log")
    # SIGTERM ends the run like Ctrl-C does: through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server = Server(
        workers=args.workers,
        worker_class=args.worker_class,
        threads=args.threads,
        database_url=args.database_url,
        redis_url=args.redis_url,
        log_path=log_path,
    )
    status = 0
    try:
        if not server.wait_ready():
            print(f"gunicorn did not come up; log {log_path}:", file=sys.stderr)
            print(server.log_tail(), file=sys.stderr)
            return 2
        print(
            f"gunicorn {server_config(args)} on {server.url}; {args.users} users, "
            f"measuring {args.duration:g} s after sign-in (log {log_path})",
            flush=True,
        )
        output, top, requests, failures, problems = run(args, server)
        print()
        print(output)
        if top:
            print("\ntop, halfway through the window:\n" + top)
        if args.out:
            Path(args.out).write_text(output + "\n")
        ratio = failures / requests if requests else 1.0
        if problems:
            print("\n" + "\n".join(problems))
        if ratio > MAX_FAILURE_RATIO or not requests:
            print(
                f"\nFAILED: {failures} of {requests} requests failed ({ratio:.2%} > "
                f"{MAX_FAILURE_RATIO:.0%}).",
                file=sys.stderr,
            )
            status = 1
        if problems or status:
            print(f"\ngunicorn log tail ({log_path}):\n{server.log_tail()}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"\nInterrupted. gunicorn log: {log_path}", file=sys.stderr)
        status = 130
    except BaseException:
        print(f"\ngunicorn log tail ({log_path}):\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()
    return status


if __name__ == "__main__":
    sys.exit(main())
