"""A generated project's HTTP service under the real uvicorn server, and a load generator.

Shared by the slow tests and by the benchmarks in ``bench/``. Everything listens on
127.0.0.1 only, on a free port picked by the kernel.
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

HOST = "127.0.0.1"
# The key the generated service expects from the growth stage on (its API_KEY variable);
# sent with every request, which an mvp service ignores.
API_KEY = "mlstages-tests-key"
AUTH = {"X-API-Key": API_KEY}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http_json(
    url: str, body: Any = None, timeout: float = 10, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """POST ``body`` as JSON (or GET without one); return the status and the parsed answer."""
    data = json.dumps(body).encode() if body is not None else None
    return http_raw(url, data, timeout=timeout, headers=headers)


def http_raw(
    url: str,
    data: bytes | None,
    content_type: str = "application/json",
    timeout: float = 10,
    auth: bool = True,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """Send raw bytes (or GET without them); return the status and the (parsed) answer."""
    sent = {"Content-Type": content_type, **(AUTH if auth else {}), **(headers or {})}
    request = urllib.request.Request(url, data=data, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, parsed(response.read())
    except urllib.error.HTTPError as error:
        return error.code, parsed(error.read())


def parsed(body: bytes) -> Any:
    """The JSON in ``body``, or its text when it is not JSON."""
    try:
        return json.loads(body)
    except ValueError:
        return body.decode(errors="replace")


def status_before_body(url: str, length: int, timeout: float = 10) -> int:
    """Announce a JSON body of ``length`` bytes and return the server's first status.

    The request says ``Expect: 100-continue``: a server that refuses the body answers
    (413) before any of it is sent, instead of resetting the connection mid-upload.
    """
    parts = urllib.parse.urlsplit(url)
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n"
        f"X-API-Key: {API_KEY}\r\n"
        "Expect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head.encode())
        status_line = sock.makefile("rb").readline().decode()
    return int(status_line.split()[1])


@dataclass
class Server:
    """A running uvicorn server: its base URL, process and log file."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def uvicorn(
    root: Path,
    app: str,
    env: Mapping[str, str],
    log: Path,
    app_dir: Path | None = None,
    ready_path: str = "/health",
    timeout: float = 90,
) -> Iterator[Server]:
    """Serve ``app`` with the project's own uvicorn on a free port of 127.0.0.1.

    Waits until ``ready_path`` answers (any status), and stops the server on exit.
    """
    port = free_port()
    args = [str(root / ".venv" / "bin" / "uvicorn"), app, "--host", HOST, "--port", str(port)]
    args += ["--no-access-log", *(["--app-dir", str(app_dir)] if app_dir else [])]
    with log.open("wb") as sink:
        process = subprocess.Popen(args, cwd=root, env=dict(env), stdout=sink, stderr=sink)
    server = Server(f"http://{HOST}:{port}", process, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                http_raw(server.base + ready_path, None, timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                if not server.alive():
                    raise RuntimeError(f"uvicorn exited:\n{server.output()}") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"uvicorn did not answer in {timeout} s") from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class LoadResult:
    """What a load run measured: counts, statuses and latencies (seconds)."""

    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.failures)

    @property
    def errors(self) -> int:
        """Requests that failed outright or were not answered with a 2xx status."""
        bad = sum(count for status, count in self.statuses.items() if not 200 <= status < 300)
        return bad + len(self.failures)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        """The q-th percentile of the latencies, in milliseconds."""
        ranked = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return ranked[round(q) - 1] * 1000

    def summary(self) -> str:
        return (
            f"{self.requests} requests in {self.seconds:.1f} s: {self.rps:.0f} req/s, "
            f"p50 {self.percentile(50):.1f} ms, p99 {self.percentile(99):.1f} ms, "
            f"{self.errors} errors"
        )


def load(
    url: str,
    body: bytes,
    seconds: float,
    concurrency: int = 8,
    warmup: float = 2.0,
    max_requests: int = 1_000_000,
) -> LoadResult:
    """POST ``body`` to ``url`` from ``concurrency`` keep-alive clients for ``seconds``.

    The first ``warmup`` seconds are not counted. Bounded in time and in count.
    """
    return asyncio.run(_load(url, body, seconds, concurrency, warmup, max_requests))


async def _load(
    url: str, body: bytes, seconds: float, concurrency: int, warmup: float, max_requests: int
) -> LoadResult:
    headers = {"Content-Type": "application/json", **AUTH}
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def hammer(until: float, result: LoadResult | None) -> None:
            while time.perf_counter() < until:
                if result is not None and result.requests >= max_requests:
                    return
                start = time.perf_counter()
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as error:
                    if result is not None:
                        result.failures.append(f"{type(error).__name__}: {error}")
                    continue
                if result is not None:
                    result.latencies.append(time.perf_counter() - start)
                    result.statuses[status] += 1

        warm_until = time.perf_counter() + warmup
        await asyncio.gather(*(hammer(warm_until, None) for _ in range(concurrency)))
        result = LoadResult(seconds=seconds)
        start = time.perf_counter()
        await asyncio.gather(*(hammer(start + seconds, result) for _ in range(concurrency)))
        result.seconds = time.perf_counter() - start
        return result
