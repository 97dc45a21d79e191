"""Over the wire: TLS settings, a bounded body read, readable transport errors.

No httpcore import (httpx's dependency, not ours): httpx maps httpcore's errors to its own,
also while a streamed body is read; OSError covers what a socket raises beyond. httpx caches
that mapping per process, so an httpcore imported afresh (pytest's in-process runs re-import
it) escapes it: `is_transport_error` still knows such an error by its module.
"""

from __future__ import annotations

import ssl

import httpx

# Bodies larger than this are not kept whole in memory or in the transcript.
MAX_BODY_BYTES = 2_000_000
TRANSPORT_ERRORS = (httpx.HTTPError, OSError)


def is_transport_error(exc: BaseException) -> bool:
    """True for an error of the connection rather than of this program."""
    return isinstance(exc, TRANSPORT_ERRORS) or _unmapped(exc) is not None


def _unmapped(exc: BaseException) -> httpx.HTTPError | None:
    """The httpx twin of an httpcore error httpx did not map (same class name)."""
    if type(exc).__module__.split(".")[0] != "httpcore":
        return None
    twin = getattr(httpx, type(exc).__name__, None)
    if isinstance(twin, type) and issubclass(twin, httpx.HTTPError):
        return twin(str(exc))
    return httpx.TransportError(str(exc))


def read_text(response: httpx.Response) -> str:
    """A streamed response's body as text, cut at MAX_BODY_BYTES (the response is closed)."""
    try:
        raw = read_bounded(response)
    finally:
        response.close()
    return raw.decode(response.encoding or "utf-8", errors="replace")


def ssl_verify(setting: bool | str) -> bool | ssl.SSLContext:
    """httpx's verify argument: a CA file becomes an SSL context trusting that CA."""
    if isinstance(setting, str):
        return ssl.create_default_context(cafile=setting)
    return setting


def read_bounded(response: httpx.Response) -> bytes:
    """Read at most MAX_BODY_BYTES of the body, so a huge response cannot exhaust memory."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        if size + len(chunk) > MAX_BODY_BYTES:
            # A single decompressed chunk can be huge (a gzip bomb): cut inside it.
            chunks.append(chunk[: MAX_BODY_BYTES - size])
            chunks.append(b"\n[body cut: larger than %d bytes]" % MAX_BODY_BYTES)
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def describe_transport_error(exc: BaseException, timeout: float) -> str:
    """A short, readable reason for a transport failure (httpx or OS level)."""
    exc = _unmapped(exc) or exc
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return f"no answer within {timeout:g} s (Entra gives up after 60 s and logs Timeout)"
    if isinstance(exc, (httpx.ConnectError, ConnectionRefusedError)):
        return f"could not connect ({detail})"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, ConnectionError)):
        return f"the connection broke mid-response ({detail})"
    return f"{type(exc).__name__}: {detail}"
