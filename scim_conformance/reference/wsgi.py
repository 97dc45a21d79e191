"""HTTP plumbing: request parsing, JSON responses and SCIM error bodies (RFC 7644 §3.1, §3.12)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from .errors import ScimError, bad_request
from .faults import Fault
from .schema import CISCO_ERROR, ERROR

SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8"  # RFC 7644 §3.1 / §8.1
_ACCEPTED_BODY_TYPES = ("", "application/scim+json", "application/json")
_MAX_BODY = 4 * 1024 * 1024
# Synthetic Webex-style numeric codes for the Cisco error extension Webex clients parse.
_ERROR_CODES = {
    "invalidFilter": 1,
    "tooMany": 2,
    "uniqueness": 3,
    "mutability": 4,
    "invalidSyntax": 5,
    "invalidPath": 6,
    "noTarget": 7,
    "invalidValue": 8,
}
StartResponse = Callable[..., Any]


@dataclass
class Request:
    """What the handlers need from a WSGI environ."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    origin: str

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        """Read method, path, query (names lower-cased), headers and body."""
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        query: dict[str, str] = {}
        for name, value in parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True):
            query.setdefault(name.lower(), value)  # Parameter names matched ignoring case.
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > _MAX_BODY:
            raise ScimError(413, "request body too large")
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        host = headers.get("host") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        return cls(
            method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
            path=str(environ.get("PATH_INFO", "")) or "/",
            query=query,
            headers=headers,
            body=body,
            origin=f"{environ.get('wsgi.url_scheme', 'http')}://{host}",
        )

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; anything else is 400 invalidSyntax (RFC 7644 §3.12)."""
        media_type = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in _ACCEPTED_BODY_TYPES:
            raise ScimError(415, f"unsupported media type {media_type!r}")
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise bad_request("the body is not valid JSON", "invalidSyntax") from exc
        if not isinstance(data, dict):
            raise bad_request("the body must be a JSON object", "invalidSyntax")
        return data


@dataclass
class Response:
    """A status, a JSON body (None: empty) and extra headers."""

    status: int
    body: Any = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw: bytes | None = None
    content_type: str = SCIM_CONTENT_TYPE


def error_response(exc: ScimError, tracking_id: str, faults: frozenset[Fault]) -> Response:
    """The RFC 7644 §3.12 error body plus Webex's Cisco error extension."""
    if exc.missing_resource and Fault.NOT_FOUND_WITHOUT_SCIM_BODY in faults:
        # Fault: a plain web-server 404 page instead of a SCIM error.
        page = b"<html><body><h1>404 Not Found</h1></body></html>"
        return Response(404, raw=page, content_type="text/html; charset=utf-8")
    body: dict[str, Any] = {
        "schemas": [ERROR],
        # RFC 7644 §3.12: status is a string; one fault sends a JSON number instead.
        "status": exc.status if Fault.ERROR_STATUS_INTEGER in faults else str(exc.status),
        "detail": exc.detail,
    }
    if exc.scim_type is not None:
        body["scimType"] = exc.scim_type
    if Fault.NO_CISCO_ERROR_EXTENSION not in faults:  # Fault (legal): a plain SCIM error.
        body[CISCO_ERROR] = {
            # Fault: a trackingId support cannot look up.
            "trackingId": "" if Fault.EMPTY_TRACKING_ID in faults else tracking_id,
            "errorCode": str(exc.status * 1000 + _ERROR_CODES.get(exc.scim_type or "", 0)),
            "details": exc.detail,
        }
    return Response(exc.status, body, list(exc.headers))


def send(
    response: Response, tracking_id: str, faults: frozenset[Fault], start_response: StartResponse
) -> Iterable[bytes]:
    """Encode and start the response; 204 goes out with an empty body."""
    headers = [("TrackingID", tracking_id), *response.headers]
    payload = b""
    if response.status != 204:
        if response.raw is not None:
            payload = response.raw
        elif response.body is not None:
            payload = json.dumps(response.body, ensure_ascii=False).encode("utf-8")
        content_type = response.content_type
        if Fault.WRONG_CONTENT_TYPE in faults:
            content_type = "text/plain; charset=utf-8"  # Fault: not a JSON media type at all.
        elif Fault.JSON_CONTENT_TYPE in faults:
            content_type = "application/json; charset=utf-8"  # Fault: legal, not preferred.
        headers.append(("Content-Type", content_type))
    headers.append(("Content-Length", str(len(payload))))
    start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
    return [payload]
