"""Webex's documented input rules for users (Webex SCIM 2 Users API docs), and the faults that
break them. Called from `resources.py` so that module stays about SCIM in general."""

from __future__ import annotations

import re
from typing import Any

from .errors import bad_request
from .faults import Fault
from .paths import ci_get, ci_key, is_urn_key, split_urn
from .schema import CISCO_USER, CORE_USER, Kind, is_read_only, known_urn

# Documented sizes of multi-valued core attributes (Webex's User schema).
SIZE_LIMITS = {"emails": 10, "phoneNumbers": 50}


def is_email(text: str) -> bool:
    """`local@domain` with both parts present; the local part may be quoted (RFC 5321)."""
    local, at, domain = text.rpartition("@")
    return bool(at and local.strip() and domain) and not any(c.isspace() for c in domain)


def check_input(
    kind: Kind,
    body: dict[str, Any],
    out: dict[str, Any],
    faults: frozenset[Fault],
    *,
    creating: bool,
) -> None:
    """Rules of a POST/PUT user body; `out` holds the attributes kept from it."""
    if kind != "User":
        return
    if Fault.UNKNOWN_SCHEMA_REJECTED in faults and _unknown_schemas(body):
        # Fault: Webex ignores unrecognised schema sections; this server refuses them.
        raise bad_request(f"unknown schema {_unknown_schemas(body)[0]}", "invalidValue")
    if creating and Fault.READ_ONLY_INPUT_REJECTED in faults and _read_only_input(body):
        # Fault: Webex ignores read-only input; this server refuses it. `meta` is
        # exempt: Entra always sends it (REJECT_CLIENT_META covers that).
        raise bad_request(f"{_read_only_input(body)[0]} is read-only", "mutability")
    if creating and Fault.USER_TYPE_REQUIRED in faults and ci_key(body, "userType") is None:
        raise bad_request("userType is required", "invalidValue")  # Fault: OpenAPI literally.
    if Fault.CISCO_EXTENSION_DROPPED in faults:
        out.pop(CISCO_USER, None)  # Fault: the Cisco extension is lost.
    if Fault.USERNAME_EMAIL_RULES_IGNORED not in faults:
        _check_primary_email(body)


def check_user(user: dict[str, Any], faults: frozenset[Fault]) -> None:
    """Rules of a stored user, after every create, replace and patch."""
    user_name = str(ci_get(user, "userName"))
    if Fault.USERNAME_EMAIL_RULES_IGNORED not in faults and not is_email(user_name):
        # userName is the user's primary email (Webex's User schema).
        raise bad_request(f"userName {user_name!r} is not an email address", "invalidValue")
    if Fault.SIZE_LIMITS_IGNORED in faults:
        return
    for name, limit in SIZE_LIMITS.items():
        values = ci_get(user, name)
        if isinstance(values, list) and len(values) > limit:
            raise bad_request(f"{name} holds at most {limit} values", "invalidValue")


def _check_primary_email(body: dict[str, Any]) -> None:
    """A primary work email must equal userName (Webex's User schema). Checked on
    POST/PUT bodies only: Entra's default mapping PATCHes the work email on its own."""
    user_name = ci_get(body, "userName")
    emails = ci_get(body, "emails")
    if not isinstance(user_name, str) or not isinstance(emails, list):
        return
    for email in emails:
        if not isinstance(email, dict):
            continue
        primary = str(ci_get(email, "primary")).lower() == "true"
        work = str(ci_get(email, "type")).lower() == "work"
        value = ci_get(email, "value")
        if primary and work and isinstance(value, str) and value.casefold() != user_name.casefold():
            raise bad_request("the primary work email must equal userName", "invalidValue")


def _unknown_schemas(body: dict[str, Any]) -> list[str]:
    """Schema URNs in `schemas` or as section keys that the server does not know."""
    listed = ci_get(body, "schemas")
    urns = [str(s) for s in listed] if isinstance(listed, list) else []
    urns += [key for key in body if is_urn_key(key)]
    return [u for u in urns if known_urn(split_urn(u)[0] or u) is None]


def _read_only_input(body: dict[str, Any]) -> list[str]:
    """Read-only attributes (other than meta) that a create body carries."""
    found = [k for k in body if k.lower() != "meta" and is_read_only(CORE_USER, k)]
    cisco = ci_get(body, CISCO_USER)
    if isinstance(cisco, dict):
        found += [f"{CISCO_USER}:{k}" for k in cisco if is_read_only(CISCO_USER, k)]
    return found


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_KEYWORDS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "and", "or"})


def beyond_eq(text: str) -> bool:
    """Whether a filter uses more than lower-case `eq` joined by `and` (FILTER_EQ_ONLY)."""
    words = re.split(r"[\s()\[\]]+", _STRING.sub(" ", text))
    return any(w.lower() in _KEYWORDS | {"not"} and w not in ("eq", "and") for w in words)
