"""Does this web link work? `check_url` / `check_urls` ask a web server (HEAD, then GET
when HEAD is refused), with a timeout per link and bounded concurrency. A bad link is
data, never an exception. `normalise_url` is the form links are compared in."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit, urlunsplit


def normalise_url(url: str) -> str:
    """A URL in a comparable form: scheme and host lowercase, no fragment, no default port,
    no trailing slash."""
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path.rstrip("/"), parts.query, ""))


# --------------------------------------------------------------------------- external links


USER_AGENT = "golive-link-check/1 (+https://github.com/; production readiness review)"


@dataclass(frozen=True)
class UrlCheck:
    """What a web server answered for one URL."""

    url: str
    ok: bool
    status: int | None = None  # the last HTTP status seen, None when no answer came
    reason: str = ""  # why it is not ok ("HTTP 404 Not Found", "timed out after 5s")
    method: str = "HEAD"  # the method whose answer decided
    elapsed_s: float = 0.0


class _KeepMethodRedirect(urllib.request.HTTPRedirectHandler):
    """Follow redirects without turning a HEAD into a GET (urllib's default)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and req.get_method() == "HEAD":
            new.method = "HEAD"
        return new


@dataclass(frozen=True)
class _Answer:
    status: int | None
    reason: str
    retry_with_get: bool  # HEAD was refused or misunderstood: GET may still work


def _describe(err: BaseException, timeout_s: float) -> str:
    if isinstance(err, TimeoutError | socket.timeout):
        return f"timed out after {timeout_s:g}s"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, socket.gaierror):
        return f"host not found ({err.strerror or err})"
    if isinstance(err, ssl.SSLError):
        return f"TLS error: {err.reason or err}"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def _request(url: str, method: str, timeout_s: float) -> _Answer:
    opener = urllib.request.build_opener(_KeepMethodRedirect())
    # check_url lets only http(s) URLs through, so no file: or custom scheme reaches here
    request = urllib.request.Request(  # noqa: S310
        url, method=method, headers={"User-Agent": USER_AGENT}
    )
    try:
        with opener.open(request, timeout=timeout_s) as response:  # noqa: S310
            status = int(response.status)
            return _Answer(status, "", False)
    except urllib.error.HTTPError as e:
        return _Answer(e.code, f"HTTP {e.code} {e.reason}", method == "HEAD")
    except urllib.error.URLError as e:
        reason = e.reason if isinstance(e.reason, BaseException) else None
        text = _describe(reason, timeout_s) if reason else str(e.reason)
        return _Answer(None, text, False)
    except http.client.HTTPException as e:  # the server closed or garbled its answer to HEAD
        return _Answer(None, _describe(e, timeout_s), method == "HEAD")
    except (OSError, ValueError) as e:
        return _Answer(None, _describe(e, timeout_s), False)


def check_url(url: str, timeout_s: float) -> UrlCheck:
    """Ask the server for ``url``: HEAD, then GET when HEAD is refused (>= 400 or garbled).

    ``timeout_s`` bounds the whole check: the GET fallback only gets the time HEAD left.
    (It bounds each connect and read; a server that trickles bytes can take longer.)
    Never raises: every failure is a `UrlCheck` with ``ok=False`` and a reason.
    """
    started = time.monotonic()
    if url.startswith("//"):
        url = "https:" + url
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        return UrlCheck(url, False, reason=f"not an http(s) URL (scheme {scheme or 'missing'})")
    try:
        answer, method = _request(url, "HEAD", timeout_s), "HEAD"
        remaining = timeout_s - (time.monotonic() - started)
        if answer.retry_with_get and remaining > 0.01:
            answer, method = _request(url, "GET", remaining), "GET"
    except Exception as e:  # noqa: BLE001 - a single bad link never stops the others
        answer, method = _Answer(None, _describe(e, timeout_s), False), "HEAD"
    elapsed = time.monotonic() - started
    ok = answer.status is not None and 200 <= answer.status < 400
    reason = "" if ok else (answer.reason or f"HTTP {answer.status}")
    return UrlCheck(url, ok, answer.status, reason, method, round(elapsed, 3))


def check_urls(urls: Iterable[str], timeout_s: float, max_workers: int = 8) -> dict[str, UrlCheck]:
    """Check each distinct URL once, at most ``max_workers`` at a time; keyed by URL."""
    unique = list(dict.fromkeys(urls))
    if not unique:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(unique)))) as pool:
        results = list(pool.map(lambda u: check_url(u, timeout_s), unique))
    return dict(zip(unique, results, strict=True))
