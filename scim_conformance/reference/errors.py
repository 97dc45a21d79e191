"""The exception every layer raises to produce a SCIM error response (RFC 7644 §3.12)."""

from __future__ import annotations


class ScimError(Exception):
    """An HTTP error with an optional RFC 7644 §3.12 scimType keyword."""

    def __init__(
        self,
        status: int,
        detail: str,
        scim_type: str | None = None,
        *,
        missing_resource: bool = False,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type
        # True only for "this id does not exist", which one fault renders as HTML.
        self.missing_resource = missing_resource
        self.headers = headers


class ConnectionDropped(ConnectionResetError):
    """Close the connection without any answer: wsgiref's handler ends a request quietly
    when the application raises a ConnectionResetError (runner.serve uses wsgiref)."""


def bad_request(detail: str, scim_type: str) -> ScimError:
    """A 400 with the given scimType."""
    return ScimError(400, detail, scim_type)


def not_found(kind: str, resource_id: str) -> ScimError:
    """The 404 for a resource id that is not in the store."""
    return ScimError(404, f"{kind} {resource_id} not found", missing_resource=True)
