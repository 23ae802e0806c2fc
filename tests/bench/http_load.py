"""The API benchmark: the app under uvicorn in its own process, a closed-loop httpx load
generator here (N workers, each sending its next request when the last one answered)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from saypro.platform.web.app import CSRF_COOKIE

REPO_ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[int, int]:
    """(total, idle) jiffies over all CPUs, from /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]


def busy_pct(before: tuple[int, int], after: tuple[int, int]) -> float:
    total, idle = after[0] - before[0], after[1] - before[1]
    return 100.0 * (1 - idle / total) if total else 0.0


@dataclass
class AppServer:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.process.pid)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@contextlib.contextmanager
def app_server(
    owner_url: str, runtime_url: str, redis_url: str, workdir: Path
) -> Iterator[AppServer]:
    port = _free_port()
    env = {
        **os.environ,
        "BENCH_OWNER_URL": owner_url,
        "BENCH_RUNTIME_URL": runtime_url,
        "BENCH_REDIS_URL": redis_url,
        "BENCH_PORT": str(port),
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        ),
    }
    log_path = workdir / "app_server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.app_server"],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = AppServer(f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the app server exited:\n{server.log_tail()}")
            try:
                if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app server did not start:\n{server.log_tail()}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _cookies(response: httpx.Response) -> dict[str, str]:
    # The cookies are __Host-/Secure: an http:// client jar would not send them back, so
    # they are read from Set-Cookie and sent by hand.
    found = {}
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def login(base_url: str, email: str, password: str) -> str:
    """Sign in through POST /login as a browser would; returns the Cookie header to send
    (every cookie the two responses set: the CSRF token and the session)."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        page = client.get("/login")
        page.raise_for_status()
        jar = _cookies(page)
        csrf = jar.get(CSRF_COOKIE)
        if not csrf:
            raise RuntimeError("GET /login set no CSRF cookie")
        response = client.post(
            "/login",
            data={"email": email, "password": password, "_csrf_token": csrf, "next": "/"},
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())},
            follow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"login answered {response.status_code}: {response.text[:500]}")
        signed_in = _cookies(response)
        if not signed_in:
            raise RuntimeError("login set no session cookie")
        jar.update(signed_in)
        return "; ".join(f"{k}={v}" for k, v in jar.items() if v)


# Checks one answer of the load (raises when it is not the expected one).
Check = Callable[[httpx.Response], None]


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]
    client_cpu_s: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p99_ms(self) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[98] * 1000


async def _load(
    base_url: str,
    path: str,
    cookie: str,
    *,
    concurrency: int,
    seconds: float,
    max_requests: int,
    expect_total: int,
    expect_items: int,
    check: Check | None = None,
) -> LoadResult:
    verify = check or (lambda response: _check(response, expect_total, expect_items))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    issued = 0
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        # One request per connection first, so the window does not include connecting.
        warm = await asyncio.gather(
            *[client.get(path, headers={"Cookie": cookie}) for _ in range(concurrency)]
        )
        for response in warm:
            verify(response)
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal issued
            while time.perf_counter() < deadline and issued < max_requests:
                issued += 1
                t0 = time.perf_counter()
                response = await client.get(path, headers={"Cookie": cookie})
                latencies.append(time.perf_counter() - t0)
                verify(response)

        cpu0 = time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu0
    return LoadResult(len(latencies), elapsed, latencies, cpu)


def _check(response: httpx.Response, expect_total: int, expect_items: int) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"GET answered {response.status_code}: {response.text[:500]}")
    body = response.json()
    if body.get("total") != expect_total or len(body.get("items", ())) != expect_items:
        raise RuntimeError(f"unexpected page: total={body.get('total')} items={len(body['items'])}")


def load(
    base_url: str,
    path: str,
    cookie: str,
    *,
    concurrency: int,
    seconds: float,
    max_requests: int,
    expect_total: int = 0,
    expect_items: int = 0,
    check: Check | None = None,
) -> LoadResult:
    """Closed-loop load; each answer is checked by ``check``, or else as a page of
    ``expect_total`` items showing ``expect_items``."""
    runner = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop  # the same event loop uvicorn uses; lighter on the shared CPUs

        runner = uvloop.run
    return runner(
        _load(
            base_url,
            path,
            cookie,
            concurrency=concurrency,
            seconds=seconds,
            max_requests=max_requests,
            expect_total=expect_total,
            expect_items=expect_items,
            check=check,
        )
    )
