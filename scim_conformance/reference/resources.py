"""Validation and normalisation of User and Group bodies (RFC 7643 §4, Webex SCIM 2 Users)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from . import webex_rules
from .errors import ScimError, bad_request
from .faults import Fault
from .paths import ci_get, ci_key, ci_pop, is_urn_key, split_urn
from .schema import CISCO_USER, CORE_URN, ENTERPRISE_USER, EXTENSIONS, Kind, is_read_only, known_urn

# Given an id, the member's (type, display) or None when no such user or group exists.
MemberResolver: TypeAlias = "Callable[[str], tuple[str, str] | None]"


def strip_nulls(value: Any) -> Any:
    """Drop nulls at every depth: RFC 7643 §2.5 treats null as unassigned."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value if v is not None]
    return value


def clean_input(
    kind: Kind, body: dict[str, Any], faults: frozenset[Fault], *, creating: bool
) -> dict[str, Any]:
    """The attributes of a POST/PUT body worth storing, everything else silently dropped."""
    schemas = ci_get(body, "schemas")
    core = CORE_URN[kind]
    if not isinstance(schemas, list) or core.lower() not in [str(s).lower() for s in schemas]:
        # Webex's Create a user docs: the core schema URN must be listed in `schemas`.
        raise bad_request(f"schemas must include {core}", "invalidValue")
    entra_extras = ci_key(body, "meta") is not None or ci_get(body, "roles") == []
    if creating and kind == "User" and Fault.REJECT_CLIENT_META in faults and entra_extras:
        # Fault: rejects the client-side meta and empty roles Entra always sends.
        raise bad_request("meta and empty roles are not accepted", "invalidValue")
    if creating:
        _refuse_narrowly(kind, body, faults)
    names = "".join(h[k] for h, k in _name_fields(body))
    if creating and kind == "User" and Fault.NON_ASCII_NAME_500 in faults and not names.isascii():
        raise ScimError(500, "internal error")  # Fault: an encoding crash on "José".
    string_active = isinstance(ci_get(body, "active"), str)
    if creating and string_active and Fault.POST_STRING_BOOLEAN_REFUSED in faults:
        raise bad_request("active must be a JSON boolean", "invalidValue")  # Fault.
    if creating and kind == "User" and Fault.REFUSES_EXOTIC_INPUT in faults and _exotic(body):
        raise bad_request("unsupported userName or displayName", "invalidValue")  # Legal.
    out: dict[str, Any] = {}
    for key, value in body.items():
        if value is None or key.lower() == "schemas":
            continue
        if is_urn_key(key):
            _take_extension(kind, out, key, value)
        elif not is_read_only(core, key):
            # Read-only input (id, meta, groups) is ignored, not rejected, as Webex documents.
            out[key] = strip_nulls(value)
    webex_rules.check_input(kind, body, out, faults, creating=creating)
    return out


def _refuse_narrowly(kind: Kind, body: dict[str, Any], faults: frozenset[Fault]) -> None:
    """Faults of a server accepting only a narrower create than Entra's (pydantic's wording,
    as Canaille 0.3.6 answers): the suite reports it once and meets prerequisites narrower."""
    emails = ci_get(body, "emails")
    emails = emails if isinstance(emails, list) else []
    if kind == "User" and Fault.REFUSES_EMAILS_ON_CREATE in faults and emails:
        raise bad_request("Extra inputs are not permitted: emails", "invalidSyntax")  # Fault.
    if kind == "User" and Fault.REFUSES_EMAIL_PRIMARY in faults:
        for index, email in enumerate(emails):
            if isinstance(email, dict) and ci_key(email, "primary") is not None:
                detail = f"Extra inputs are not permitted: emails[{index}].primary"
                raise bad_request(detail, "invalidSyntax")  # Fault.
    members = ci_get(body, "members")
    if kind == "Group" and Fault.GROUP_MEMBERS_REQUIRED in faults and not members:
        raise bad_request("Field required: members", "invalidSyntax")  # Fault.


def _take_extension(kind: Kind, out: dict[str, Any], key: str, value: Any) -> None:
    """Keep a known extension section (or one URN-qualified attribute); ignore the rest."""
    uri, rest = split_urn(key)
    urn = None if uri is None else known_urn(uri)
    if urn not in EXTENSIONS[kind]:
        return  # Unrecognised schema sections are ignored, as Webex documents.
    assert urn is not None
    section = out.setdefault(urn, {})
    if rest:
        section[rest] = strip_nulls(value)
    elif isinstance(value, dict):
        for name, item in strip_nulls(value).items():
            if not is_read_only(urn, name):
                section[name] = item


def normalise(
    kind: Kind, resource: dict[str, Any], faults: frozenset[Fault], resolve: MemberResolver
) -> None:
    """Apply defaults, coercions and required-attribute checks to a full stored resource."""
    if kind == "User":
        _normalise_user(resource, faults)
    else:
        _normalise_group(resource, resolve, faults)
    for urn in EXTENSIONS[kind]:
        if ci_get(resource, urn) == {}:
            ci_pop(resource, urn)
    # `schemas` lists the core schema and every extension present, as Webex's responses do.
    present = [u for u in EXTENSIONS[kind] if isinstance(ci_get(resource, u), dict)]
    if Fault.SCHEMAS_OMIT_CISCO in faults:
        present = [u for u in present if u != CISCO_USER]  # Fault: an unlisted extension.
    resource["schemas"] = [CORE_URN[kind], *present]


def _normalise_user(user: dict[str, Any], faults: frozenset[Fault]) -> None:
    """userName required, active coerced to a boolean, userType defaulted, manager reshaped."""
    user_name = ci_get(user, "userName")
    if not isinstance(user_name, str) or not user_name.strip():
        raise bad_request("userName is required", "invalidValue")
    webex_rules.check_user(user, faults)
    key = ci_key(user, "active") or "active"
    user[key] = coerce_active(user.get(key, True), faults)
    if Fault.LOWERCASES_USER_NAME in faults:
        user[ci_key(user, "userName") or "userName"] = user_name.lower()  # Fault.
    for holder, name in _name_fields(user):
        if Fault.TRIMS_NAMES in faults:
            holder[name] = holder[name].strip()  # Fault: " Ada " is stored as "Ada".
        if Fault.TRUNCATES_LONG_NAMES in faults:
            holder[name] = holder[name][:64]  # Fault: a VARCHAR(64) column, cut silently.
    if ci_key(user, "userType") is None and Fault.USER_TYPE_NOT_DEFAULTED not in faults:
        user["userType"] = "user"  # Webex's API requires userType; default it.
    enterprise = ci_get(user, ENTERPRISE_USER)
    if isinstance(enterprise, dict):
        manager_key = ci_key(enterprise, "manager")
        if manager_key is not None:
            manager = normalise_manager(enterprise[manager_key])
            if manager is None:
                del enterprise[manager_key]
            else:
                enterprise[manager_key] = manager


def _exotic(user: dict[str, Any]) -> bool:
    """A quoted or non-ASCII userName, or a displayName beyond Entra's 256 characters."""
    name, display = ci_get(user, "userName"), ci_get(user, "displayName")
    odd_name = isinstance(name, str) and (not name.isascii() or name.startswith('"'))
    return odd_name or (isinstance(display, str) and len(display) > 256)


def _name_fields(user: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """(holder, key) of each string name of a user: displayName, givenName, familyName."""
    fields: list[tuple[dict[str, Any], str | None]] = [(user, ci_key(user, "displayName"))]
    name = ci_get(user, "name")
    if isinstance(name, dict):
        fields += [(name, ci_key(name, "givenName")), (name, ci_key(name, "familyName"))]
    return [(h, k) for h, k in fields if k is not None and isinstance(h[k], str)]


def coerce_active(value: Any, faults: frozenset[Fault]) -> bool:
    """A JSON boolean, or Entra's string "True"/"False" in any case (SCIM compliance known
    issues; scimmy #86). The string faults act where the request arrives (patch.py, above)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise bad_request("active must be a boolean", "invalidValue")


def normalise_manager(value: Any) -> dict[str, Any] | None:
    """Store any of Entra's manager shapes as {"value": id} (+ "$ref"); None clears it."""
    # Entra sends a list of one reference, an object, or a bare id string
    # (SCIM-SDK #686); "displayName" is readOnly in Webex's enterprise extension, so dropped.
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        value = {"value": value} if value else None
    if value is None or value == {}:
        return None
    manager_id = ci_get(value, "value") if isinstance(value, dict) else None
    if not isinstance(manager_id, str) or not manager_id:
        raise bad_request("manager needs a value (the manager's id)", "invalidValue")
    assert isinstance(value, dict)
    out: dict[str, Any] = {"value": manager_id}
    ref = ci_get(value, "$ref")
    if isinstance(ref, str) and ref:
        out["$ref"] = ref
    return out


def _normalise_group(
    group: dict[str, Any], resolve: MemberResolver, faults: frozenset[Fault]
) -> None:
    """displayName required; members checked against the store and reshaped."""
    display_name = ci_get(group, "displayName")
    if not isinstance(display_name, str) or not display_name.strip():
        raise bad_request("displayName is required", "invalidValue")
    key = ci_key(group, "members") or "members"
    raw = group.get(key, [])
    if not isinstance(raw, list):
        raise bad_request("members must be a list", "invalidValue")
    members: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in raw:
        member_id = ci_get(item, "value") if isinstance(item, dict) else item
        if not isinstance(member_id, str):
            raise bad_request("each member needs a value (an id)", "invalidValue")
        found = resolve(member_id)
        if found is None:
            raise bad_request(f"member {member_id} is not a user or group", "invalidValue")
        copies = Fault.READDED_MEMBER_DUPLICATED in faults  # Fault: a second copy is kept.
        if member_id not in seen or copies:  # Adding an existing member changes nothing.
            seen.add(member_id)
            members.append({"value": member_id, "type": found[0], "display": found[1]})
    group[key] = members
