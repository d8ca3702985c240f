"""The production stack on this machine, without Docker: gunicorn with the production settings, a Celery
worker per queue and beat, on the local PostgreSQL and Redis.

Every run gets a database of its own (chiiki_stack_<random>, dropped afterwards), a Redis database number
nobody else uses (claimed, flushed afterwards), free loopback ports, and a temporary folder for media,
static files and logs. Every process is started in a session of its own and the whole session is stopped
at the end, so nothing is left running.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES_URL = os.environ.get("STACK_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_SERVER = os.environ.get("STACK_REDIS_URL", "redis://127.0.0.1:6379")
QUEUES = ("default", "scoring", "imports", "mail")
# Redis databases a stack may claim: not 0 (the usual one) nor 15 (the tests' workers).
REDIS_DATABASES = range(1, 15)
CLAIM_KEY = "chiiki-stack:claimed-by"
STAFF_EMAIL = "stack-staff@chiiki-dx.example"
# Static files no page the stack opens loads (the PDF font, the admin, the API's browsable pages and docs), as
# tests/perf leaves them out: they are most of the bytes to compress.
NOT_LOADED_BY_PAGES = ("fonts", "admin", "drf_spectacular_sidecar", "rest_framework")
# Generous: the machine may be small and busy with other tests.
START_TIMEOUT = 240.0
COMMAND_TIMEOUT = 600.0

# The staff account signs in with a password and TOTP, as production requires of platform staff.
CREATE_STAFF = """
import os
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from dx_platform.accounts.models import User
email = os.environ["STACK_STAFF_EMAIL"]
user = User.objects.create_user(email=email, password=os.environ["STACK_STAFF_PASSWORD"], is_staff=True)
EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
TOTP.activate(user, os.environ["STACK_STAFF_TOTP"])
"""


class StackError(RuntimeError):
    pass


def missing_services() -> list[str]:
    """What of PostgreSQL and Redis cannot be reached (empty when both can)."""
    missing = []
    try:
        with psycopg.connect(f"{POSTGRES_URL}/postgres", connect_timeout=3):
            pass
    except psycopg.Error as exc:
        missing.append(f"PostgreSQL at {POSTGRES_URL} ({exc.__class__.__name__})")
    try:
        redis.Redis.from_url(f"{REDIS_SERVER}/0", socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        missing.append(f"Redis at {REDIS_SERVER} ({exc.__class__.__name__})")
    return missing


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def totp(secret: str, at: float | None = None) -> str:
    """The current TOTP code (RFC 6238: SHA-1, 6 digits, 30 s), as an authenticator app shows it."""
    counter = int(time.time() if at is None else at) // 30
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def wait_for(what: str, condition: Callable[[], bool], timeout: float, check: Callable[[], None] | None = None) -> None:
    """Poll `condition` until it holds; `check` raises when waiting is pointless (a process died)."""
    deadline = time.monotonic() + timeout
    while True:
        if check is not None:
            check()
        if condition():
            return
        if time.monotonic() > deadline:
            raise StackError(f"{what}: not after {timeout:.0f} s")
        time.sleep(0.2)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _die_with_parent() -> None:
    """In the child before exec (Linux): SIGKILL it when the process that started it dies, so a runner
    killed before its clean-up leaves no server behind (gunicorn's and Celery's own children follow it)."""
    import ctypes

    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Stack:
    """Start with `with Stack() as stack:`; everything is torn down on leaving, whatever happened."""

    def __init__(self, *, web_workers: int = 3, web_threads: int = 4, say: Callable[[str], None] = print) -> None:
        self.id = secrets.token_hex(4)
        self.database = f"chiiki_stack_{self.id}"
        self.web_workers = web_workers
        self.web_threads = web_threads
        self.say = say
        self.dir = Path(tempfile.mkdtemp(prefix=f"chiiki-stack-{self.id}-"))
        self.port = 0
        self.redis_db: int | None = None
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.staff_password = secrets.token_urlsafe(18)
        self.staff_totp = base64.b32encode(secrets.token_bytes(20)).decode()
        self.secret_key = secrets.token_urlsafe(64)
        self.database_created = False
        self.static_root = self.dir / "static"

    # --- set-up and tear-down ---

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def database_url(self) -> str:
        return f"{POSTGRES_URL}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"{REDIS_SERVER}/{self.redis_db}"

    def env(self) -> dict[str, str]:
        """The production settings' environment, as docker-compose gives it to web, worker and beat alike."""
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_URL"))},
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "dx_platform.settings.production",
            "DJANGO_SECRET_KEY": self.secret_key,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SITE_URL": f"https://127.0.0.1:{self.port}",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "DJANGO_MEDIA_ROOT": str(self.dir / "media"),
            "DJANGO_STATIC_ROOT": str(self.static_root),
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            # All load clients share one staff session; the API's per-user throttle is not under test here.
            "API_THROTTLE_USER": "100000/min",
            # A killed worker's task comes back within a minute, not half an hour.
            "CELERY_VISIBILITY_TIMEOUT": "20",
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        }

    def start(self) -> None:
        self.port = free_port()
        self._claim_redis()
        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database}"')
        self.database_created = True
        self.say(f"stack {self.id}: database {self.database}, Redis db {self.redis_db}, port {self.port}, {self.dir}")
        for command in (
            ["migrate", "--noinput"],
            ["load_reference_data"],
            ["load_catalog"],
        ):
            self.manage(*command)
        self.collect_static()
        self.manage(
            "shell",
            "-c",
            CREATE_STAFF,
            env={
                "STACK_STAFF_EMAIL": STAFF_EMAIL,
                "STACK_STAFF_PASSWORD": self.staff_password,
                "STACK_STAFF_TOTP": self.staff_totp,
            },
        )
        self.start_web()
        for queue in QUEUES:
            self.start_worker(queue)
        self.start_beat()
        wait_for("the site is ready (/readyz)", self._ready, START_TIMEOUT, self.check_alive)
        for queue in QUEUES:
            self.wait_worker_ready(queue)
        self.say(
            f"stack {self.id}: up (gunicorn {self.web_workers}×{self.web_threads}, workers {', '.join(QUEUES)}, beat)"
        )

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_process(name)
        if self.database_created:
            try:
                with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
                self.database_created = False
            except psycopg.Error as exc:
                self.say(f"stack {self.id}: could not drop {self.database}: {exc}")
        if self.redis_db is not None:
            client = redis.Redis.from_url(self.redis_url)
            if client.get(CLAIM_KEY) == self.id.encode():
                client.flushdb()
            client.close()
            self.redis_db = None
        if os.environ.get("STACK_KEEP_LOGS") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)

    def _claim_redis(self) -> None:
        """The first empty Redis database, claimed with SET NX so two stacks never share one."""
        for number in REDIS_DATABASES:
            client = redis.Redis.from_url(f"{REDIS_SERVER}/{number}")
            try:
                if client.dbsize() == 0 and client.set(CLAIM_KEY, self.id, nx=True, ex=3 * 3600):
                    self.redis_db = number
                    return
            finally:
                client.close()
        raise StackError(f"no empty Redis database among {REDIS_DATABASES} at {REDIS_SERVER}")

    def collect_static(self) -> None:
        """collectstatic as the image runs it (hashed names, gzip and brotli), into var/stack-static/<digest of
        the inputs>, kept for the next run: compressing every file takes minutes on a small machine."""
        digest = hashlib.sha256()
        for path in sorted((ROOT / "static").rglob("*")):
            if path.is_file():
                digest.update(f"{path.relative_to(ROOT)}\0".encode())
                digest.update(path.read_bytes())
        digest.update((ROOT / "requirements.lock").read_bytes())  # the packages' own static files
        digest.update(" ".join(NOT_LOADED_BY_PAGES).encode())
        cache = ROOT / "var" / "stack-static"
        self.static_root = cache / digest.hexdigest()[:16]
        if (self.static_root / "staticfiles.json").exists():
            return
        building = cache / f"building-{self.id}"
        self.static_root, final = building, self.static_root
        try:
            self.manage("collectstatic", "--noinput", *(f"--ignore={pattern}" for pattern in NOT_LOADED_BY_PAGES))
            for old in cache.iterdir():  # earlier inputs' files
                if old != building and not old.name.startswith("building-"):
                    shutil.rmtree(old, ignore_errors=True)
            try:
                building.rename(final)
            except OSError:  # another run built it at the same time
                pass
        finally:
            shutil.rmtree(building, ignore_errors=True)
            self.static_root = final

    def manage(self, *args: str, env: dict[str, str] | None = None) -> str:
        name = args[0]
        log = self.dir / f"manage-{name}.log"
        with log.open("wb") as out:
            done = subprocess.run(
                [str(BIN / "python"), "manage.py", *args],
                cwd=ROOT,
                env={**self.env(), **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        if done.returncode:
            raise StackError(f"manage.py {name} failed ({done.returncode}):\n{self.tail(log)}")
        return log.read_text()

    # --- processes ---

    def launch(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = self.dir / f"{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.processes[name] = process
        return process

    def start_web(self) -> None:
        # As docker/start-web.sh, on loopback, with threads for the concurrent clients.
        self.launch(
            "web",
            [
                str(BIN / "gunicorn"),
                "dx_platform.wsgi:application",
                *("--bind", f"127.0.0.1:{self.port}"),
                *("--workers", str(self.web_workers), "--threads", str(self.web_threads)),
                *("--timeout", "120", "--graceful-timeout", "20", "--keep-alive", "30"),
                *("--access-logfile", "-"),
            ],
        )

    def start_worker(self, queue: str) -> None:
        """A worker per queue, as docker/start-worker.sh with CELERY_QUEUES set."""
        self.launch(
            f"worker-{queue}",
            [
                str(BIN / "celery"),
                *("-A", "dx_platform", "worker", "--queues", queue, "--concurrency", "1", "-O", "fair"),
                *("--hostname", f"{queue}@stack-{self.id}", "--loglevel", "INFO"),
            ],
        )

    def start_beat(self) -> None:
        self.launch(
            "beat",
            [
                str(BIN / "celery"),
                *("-A", "dx_platform", "beat", "--schedule", str(self.dir / "celerybeat-schedule")),
                *("--loglevel", "INFO"),
            ],
        )

    def wait_worker_ready(self, queue: str) -> None:
        log = self.dir / f"worker-{queue}.log"
        marker = f"{queue}@stack-{self.id} ready."
        starts = self.log_starts.get(f"worker-{queue}", 0)

        def ready() -> bool:
            return marker in log.read_text(errors="replace")[starts:]

        wait_for(f"the {queue} worker is ready", ready, START_TIMEOUT, self.check_alive)

    @property
    def log_starts(self) -> dict[str, int]:
        return self.__dict__.setdefault("_log_starts", {})

    def restart_worker(self, queue: str) -> None:
        name = f"worker-{queue}"
        self.log_starts[name] = len((self.dir / f"{name}.log").read_text(errors="replace"))
        self.start_worker(queue)
        self.wait_worker_ready(queue)

    def kill(self, name: str) -> None:
        """SIGKILL a process and everything it started (a Celery worker and its pool), no clean-up."""
        process = self.processes.pop(name)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)

    def stop_process(self, name: str) -> None:
        process = self.processes.pop(name)
        for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 30)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=grace)
                # The group may outlive its leader (a pool child): SIGKILL whatever is left.
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
            break
        if process.poll() is None:
            process.wait(timeout=30)

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise StackError(f"{name} exited with {process.returncode}:\n{self.tail(self.dir / f'{name}.log')}")

    def web_worker_pids(self) -> list[int]:
        return sorted(_children(self.processes["web"].pid))

    def tail(self, log: Path, lines: int = 60) -> str:
        try:
            return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _ready(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", "/readyz", headers={"Host": "127.0.0.1"})
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    # --- the database, for what HTTP does not show (which run is running, what was stored) ---

    @contextmanager
    def sql(self) -> Iterator[psycopg.Connection]:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            yield connection

    def query(self, statement: str, *params: object) -> list[tuple]:
        with self.sql() as connection:
            return connection.execute(statement, params).fetchall()  # type: ignore[arg-type]
