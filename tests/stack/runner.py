"""What `make stack` and tests/stack/test_stack.py do with the stack, over HTTP as a user would:

1. sign in (the allauth form with CSRF, then TOTP) as platform staff, behind the forwarded-HTTPS header;
2. upload a national survey file, wait for the import and the recompute, read the new scores;
3. 50 concurrent clients read and write for 60 s: every answer as expected, every acknowledged write stored;
4. SIGKILL one gunicorn worker among writers: no acknowledged write lost, the site keeps answering;
5. SIGKILL the scoring worker in the middle of a recompute: the published run is still served, and after a
   restart the recompute finishes and its scores are served.

Each step checks what it promises and raises AssertionError when it does not hold; figures are printed.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import secrets
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .browser import Browser
from .stack import STAFF_EMAIL, Stack, StackError, missing_services, totp, wait_for

FISCAL_YEAR = 2023
INDICATORS = ("system.cio", "service.ai", "online_volume.01", "mynumber.holding_rate")
# Pages and API calls of the load: a prefecture's municipalities (長野県) and the national lists.
LOAD_PREFECTURE = "20"
WAIT_TIMEOUT = 300.0  # an import or a recompute on a busy machine
NOTE_PREFIX = "stack-note"
# What a client does in turn: light API reads and writes, and the heavier pages (a municipality's scores and
# charts, the national dashboard) as a share of what people open.
MIX = ("api", "write", "page", "api", "write", "datasets", "api", "write", "page", "dashboard")
CLIENT_TIMEOUT = 300.0


# --- a national survey file (the long shape: lg_code, fiscal_year, indicator, value) ---


def national_file(codes: list[str], variant: int) -> bytes:
    """A valid answer of every municipality to four items of the catalog; `variant` changes the answers
    (so a second file has other scores)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["lg_code", "fiscal_year", "indicator", "value"])
    for i, code in enumerate(codes):
        j = i + variant * 7
        writer.writerows(
            [
                [code, FISCAL_YEAR, "system.cio", str(j % 2)],
                [code, FISCAL_YEAR, "service.ai", str((j // 3) % 2)],
                [code, FISCAL_YEAR, "online_volume.01", ("online", "offline", "na")[j % 3]],
                [code, FISCAL_YEAR, "mynumber.holding_rate", f"{(j * 37) % 1001 / 10:g}"],
            ]
        )
    return out.getvalue().encode()


# --- steps over HTTP ---


def sign_in(stack: Stack) -> Browser:
    browser = Browser(stack.port)
    # Without the proxy's header the site sends the browser to HTTPS.
    plain = browser.get("/accounts/login/", https=False)
    assert plain.status == 301 and plain.location.startswith("https://"), (plain.status, plain.location)
    form = browser.get("/accounts/login/")
    assert form.status == 200, form.status
    answer = browser.post(
        "/accounts/login/",
        {"csrfmiddlewaretoken": form.csrf_token(), "login": STAFF_EMAIL, "password": stack.staff_password},
    )
    assert answer.status == 302 and answer.location == "/accounts/2fa/authenticate/", (answer.status, answer.text)
    form = browser.get("/accounts/2fa/authenticate/")
    answer = browser.post(
        "/accounts/2fa/authenticate/", {"csrfmiddlewaretoken": form.csrf_token(), "code": totp(stack.staff_totp)}
    )
    assert answer.status == 302, (answer.status, answer.text[:2000])
    assert "sessionid" in browser.cookies
    upload_page = browser.get("/benchmarks/datasets/upload/")
    assert upload_page.status == 200, f"staff cannot open the upload page: {upload_page.status}"
    return browser


def upload(browser: Browser, data: bytes, name: str) -> int:
    """The staff upload page's form; the dataset's id from where it sends the browser."""
    form = browser.get("/benchmarks/datasets/upload/")
    answer = browser.post_multipart(
        "/benchmarks/datasets/upload/",
        {
            "csrfmiddlewaretoken": form.csrf_token(),
            "fiscal_year": str(FISCAL_YEAR),
            "name": name,
            "source": "スタックテスト（合成）",
            "origin": "real",
            "supersedes": "",
        },
        {"file": ("survey.csv", data, "text/csv")},
    )
    assert answer.status == 302 and answer.location.startswith("/benchmarks/datasets/"), (
        answer.status,
        answer.text[:3000],
    )
    return int(answer.location.rstrip("/").rsplit("/", 1)[1])


def wait_imported(stack: Stack, browser: Browser, dataset: int) -> None:
    """The dataset page's progress (as the page polls it) until the import is done; it must be ready."""
    progress: dict[str, Any] = {}

    def done() -> bool:
        nonlocal progress
        progress = browser.get(f"/benchmarks/datasets/{dataset}/progress/").json()
        return bool(progress["done"])

    wait_for(f"dataset {dataset} is imported", done, WAIT_TIMEOUT, stack.check_alive)
    assert progress["status"] == "ready", progress


def complete_runs(browser: Browser, dataset: int) -> list[dict[str, Any]]:
    answer = browser.get(f"/api/v1/benchmarks/runs/?dataset={dataset}")
    assert answer.status == 200, answer.status
    return list(answer.json()["results"])


def wait_published(stack: Stack, browser: Browser, dataset: int) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []

    def published() -> bool:
        nonlocal runs
        runs = complete_runs(browser, dataset)
        return bool(runs)

    wait_for(f"dataset {dataset} has published scores", published, WAIT_TIMEOUT, stack.check_alive)
    return runs[0]


def scores(browser: Browser, dataset: int | None = None) -> dict[str, Any]:
    """The fiscal year's published municipality scores by code (of the default dataset unless given), with
    the dataset and run they come from."""
    rows: list[dict[str, Any]] = []
    query = f"fiscal_year={FISCAL_YEAR}&limit=1000" + (f"&dataset={dataset}" if dataset else "")
    while True:
        answer = browser.get(f"/api/v1/benchmarks/municipality-scores/?{query}&offset={len(rows)}")
        assert answer.status == 200, (answer.status, answer.text[:1000])
        page = answer.json()
        rows += page["results"]
        if not page["next"]:
            break
    return {
        "count": len(rows),
        "datasets": {row["dataset"] for row in rows},
        "runs": {row["run"] for row in rows},
        "composite": {row["code"]: row["composite"] for row in rows},
    }


# --- concurrent clients ---


@dataclass
class Figures:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    written: list[str] = field(default_factory=list)  # acknowledged notes
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    def percentile(self, share: float, kind: str | None = None) -> float:
        latencies = self.latencies if kind is None else self.by_kind.get(kind, [])
        if not latencies:
            return 0.0
        ordered = sorted(latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def summary(self) -> str:
        errors = sum(self.errors.values())
        text = (
            f"{self.clients} clients, {self.seconds:.0f} s: {self.requests} requests "
            f"({self.requests / self.seconds:.1f}/s), {errors} errors, {len(self.written)} writes acknowledged, "
            f"latency p50 {self.percentile(0.5) * 1000:.0f} ms, p95 {self.percentile(0.95) * 1000:.0f} ms, "
            f"max {max(self.latencies, default=0) * 1000:.0f} ms"
        )
        text += "; by kind (n, p50, p95 ms): " + ", ".join(
            f"{kind} {len(values)} {self.percentile(0.5, kind) * 1000:.0f} {self.percentile(0.95, kind) * 1000:.0f}"
            for kind, values in sorted(self.by_kind.items())
        )
        if self.errors:
            text += "; errors: " + ", ".join(f"{reason} ×{n}" for reason, n in self.errors.most_common(8))
        return text


def _client(
    number: int,
    browser: Browser,
    codes: list[str],
    figures: Figures,
    until: float,
    stop: threading.Event,
    writes_only: bool,
    phase: str,
) -> None:
    """Reads (a municipality's page, the API's scores of a prefecture, the dashboard) and writes (a note on a
    municipality's scores) in turn, as fast as the site answers, until the time is up."""
    step = 0
    while time.monotonic() < until and not stop.is_set():
        code = codes[(number * 7 + step) % len(codes)]
        kind = "write" if writes_only else MIX[(number + step) % len(MIX)]
        step += 1
        started = time.monotonic()
        text = f"{NOTE_PREFIX} {phase} {number}-{step}"
        try:
            if kind == "page":
                answer = browser.get(f"/benchmarks/municipalities/{code}/?year={FISCAL_YEAR}")
                ok = answer.status == 200
            elif kind == "api":
                path = f"/api/v1/benchmarks/municipality-scores/?fiscal_year={FISCAL_YEAR}&prefecture={LOAD_PREFECTURE}"
                answer = browser.get(path)
                ok = answer.status == 200 and answer.json()["count"] > 0
            elif kind == "datasets":
                answer = browser.get("/benchmarks/datasets/")
                ok = answer.status == 200
            elif kind == "dashboard":
                answer = browser.get("/benchmarks/")
                ok = answer.status == 200
            else:
                answer = browser.post(
                    f"/benchmarks/municipalities/{code}/notes/",
                    {"fiscal_year": str(FISCAL_YEAR), "area": "", "text": text},
                )
                ok = answer.status == 302 and answer.location.startswith(f"/benchmarks/municipalities/{code}/")
        except Exception as exc:  # counted, and the client goes on with a new connection
            with figures.lock:
                figures.errors[f"{kind}: {type(exc).__name__}"] += 1
            continue
        elapsed = time.monotonic() - started
        with figures.lock:
            if ok:
                figures.latencies.append(elapsed)
                figures.by_kind.setdefault(kind, []).append(elapsed)
                if kind == "write":
                    figures.written.append(text)
            else:
                figures.errors[f"{kind}: HTTP {answer.status}"] += 1


def run_clients(
    stack: Stack,
    cookies: dict[str, str],
    codes: list[str],
    *,
    clients: int,
    seconds: float,
    writes_only: bool = False,
    during: Callable[[], None] | None = None,
) -> Figures:
    phase = secrets.token_hex(3)  # in every note's text, so the writes of two runs are never confused
    """`clients` threads, each with its own connection and the signed-in session, for `seconds`; `during`
    runs meanwhile (from this thread) and the clients stop when the time is up, whatever it does."""
    figures = Figures(clients=clients, seconds=seconds)
    stop = threading.Event()
    browsers = [Browser(stack.port, cookies=cookies, timeout=CLIENT_TIMEOUT) for _ in range(clients)]
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=_client, args=(n, browsers[n], codes, figures, until, stop, writes_only, phase), daemon=True
        )
        for n in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        if during is not None:
            during()
    finally:
        for thread in threads:
            # A request in flight at the end has its client's timeout to finish.
            thread.join(timeout=max(0.0, until - time.monotonic()) + CLIENT_TIMEOUT + 30)
        stop.set()
        for browser in browsers:
            browser.close()
    assert not any(thread.is_alive() for thread in threads), "a client did not stop"
    figures.seconds = time.monotonic() - started
    return figures


def stored_notes(stack: Stack) -> set[str]:
    rows = stack.query("SELECT text FROM benchmarks_scorenote WHERE text LIKE %s", f"{NOTE_PREFIX} %")
    return {text for (text,) in rows}


# --- the whole run ---


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    load: Figures | None = None
    web_kill: Figures | None = None


def run(*, clients: int = 50, seconds: float = 60.0, say: Callable[[str], None] = print) -> Report:
    report = Report()

    def tell(line: str) -> None:
        report.lines.append(line)
        say(line)

    with Stack(say=tell) as stack:
        try:
            _scenario(stack, report, tell, clients=clients, seconds=seconds)
        except BaseException:
            for name in ("web", "worker-scoring", "worker-imports"):
                tell(f"--- {name} log (last lines) ---\n{stack.tail(stack.dir / f'{name}.log', 40)}")
            raise
    return report


def _scenario(stack: Stack, report: Report, tell: Callable[[str], None], *, clients: int, seconds: float) -> None:
    codes = [code for (code,) in stack.query("SELECT code FROM organizations_municipality ORDER BY code")]
    local = [
        code
        for (code,) in stack.query(
            "SELECT m.code FROM organizations_municipality m JOIN organizations_prefecture p ON p.id = m.prefecture_id"
            " WHERE p.pref_code = %s ORDER BY m.code",
            LOAD_PREFECTURE,
        )
    ]

    # 1. Sign in.
    browser = sign_in(stack)
    tell("signed in as platform staff (password and TOTP, CSRF, over the forwarded-HTTPS header)")

    # 2. A national file: import (imports worker), recompute (scoring worker), new scores over the API.
    started = time.monotonic()
    first = upload(browser, national_file(codes, variant=0), "スタックテスト 第1版")
    wait_imported(stack, browser, first)
    run_one = wait_published(stack, browser, first)
    published = scores(browser)
    assert published["count"] == len(codes), (published["count"], len(codes))
    assert published["datasets"] == {first} and published["runs"] == {run_one["id"]}, (
        published["datasets"],
        published["runs"],
    )
    assert sum(value is not None for value in published["composite"].values()) > len(codes) * 0.9
    tell(
        f"uploaded dataset {first}: imported and recomputed in {time.monotonic() - started:.1f} s, "
        f"run {run_one['id']} serves {published['count']} municipalities' scores"
    )

    # 3. Load.
    before = stored_notes(stack)
    figures = run_clients(stack, browser.cookies, local, clients=clients, seconds=seconds)
    report.load = figures
    tell(f"load: {figures.summary()}")
    assert not figures.errors, f"errors under load: {dict(figures.errors)}"
    missing = set(figures.written) - stored_notes(stack)
    assert not missing, f"{len(missing)} acknowledged writes not stored, e.g. {sorted(missing)[:5]}"
    assert len(stored_notes(stack) - before) == len(figures.written)

    # 4. A web worker killed among writers.
    victims: list[int] = []

    def kill_a_web_worker() -> None:
        time.sleep(3)
        pids = stack.web_worker_pids()
        assert pids, "no gunicorn worker"
        victims.append(pids[0])
        os.kill(pids[0], signal.SIGKILL)
        wait_for(
            "gunicorn replaces the killed worker",
            lambda: len(stack.web_worker_pids()) == stack.web_workers and victims[0] not in stack.web_worker_pids(),
            60,
            stack.check_alive,
        )

    written_before = stored_notes(stack)
    killed = run_clients(
        stack, browser.cookies, local, clients=12, seconds=15, writes_only=True, during=kill_a_web_worker
    )
    report.web_kill = killed
    new = stored_notes(stack) - written_before
    missing = set(killed.written) - new
    assert not missing, f"{len(missing)} acknowledged writes lost after a web worker was killed: {sorted(missing)[:5]}"
    assert browser.get("/benchmarks/").status == 200
    tell(
        f"web worker {victims[0]} killed (SIGKILL) among 12 writers: {len(killed.written)} writes acknowledged, "
        f"all stored; {sum(killed.errors.values())} requests cut off with it "
        f"({', '.join(f'{k} ×{n}' for k, n in killed.errors.items()) or 'none'}); "
        f"{len(new) - len(killed.written)} unacknowledged were stored anyway"
    )

    # 5. The scoring worker killed in the middle of a recompute. The test holds a lock on the table the
    # recompute writes its scores to, so the worker is certainly in the middle (its run begun, its rows
    # waiting) when it is killed.
    with stack.sql() as holder:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE benchmarks_municipalityscore IN EXCLUSIVE MODE")
        second = upload(browser, national_file(codes, variant=1), "スタックテスト 第2版")
        wait_imported(stack, browser, second)

        def recompute_waiting() -> bool:
            running = stack.query(
                "SELECT count(*) FROM benchmarks_scorerun WHERE dataset_id = %s AND status = 'running'", second
            )[0][0]
            waiting = stack.query(
                "SELECT count(*) FROM pg_locks"
                " WHERE NOT granted AND relation = 'benchmarks_municipalityscore'::regclass"
            )[0][0]
            return bool(running and waiting)

        wait_for("the recompute is under way", recompute_waiting, WAIT_TIMEOUT, stack.check_alive)
        stack.kill("worker-scoring")
        tell(f"scoring worker killed (SIGKILL) in the middle of the recompute of dataset {second}")
        served = scores(browser)
        assert served["runs"] == {run_one["id"]} and served["composite"] == published["composite"], served["runs"]
        assert browser.get("/benchmarks/").status == 200
        assert not complete_runs(browser, second)
        holder.execute("ROLLBACK")
    tell(f"meanwhile run {run_one['id']} is still served, unchanged")

    killed_at = time.monotonic()
    stack.restart_worker("scoring")
    run_two = wait_published(stack, browser, second)
    after = scores(browser)
    assert after["datasets"] == {second} and after["runs"] == {run_two["id"]}, (after["datasets"], after["runs"])
    assert after["count"] == len(codes)
    changed = sum(after["composite"][code] != published["composite"][code] for code in codes)
    assert changed > 0, "the second file's scores are the first's"
    tell(
        f"scoring worker restarted: the recompute finished {time.monotonic() - killed_at:.1f} s after the restart "
        f"(run {run_two['id']}); its scores are served ({changed} municipalities changed)"
    )

    # Beat and every worker ran throughout.
    stack.check_alive()
    beat = (stack.dir / "beat.log").read_text(errors="replace")
    assert "beat: Starting" in beat, beat[-2000:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make stack", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    missing = missing_services()
    if missing:
        print(f"stack: needs {' and '.join(missing)}", file=sys.stderr)
        return 2
    try:
        run(clients=args.clients, seconds=args.seconds, say=lambda line: print(line, flush=True))
    except (AssertionError, StackError) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    print("stack: every check held")
    return 0
