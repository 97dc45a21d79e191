"""Hypothesis strategies for the users Entra provisions, and the PATCH lists it sends.

Reusable by vendors: `entra_users()` draws users the way a real directory holds them
(any script, apostrophes, quotes, emoji, stray spaces, optional attributes absent, never
null), `create_body()` turns one into Entra's POST body, and `patch_operation_lists()`
draws PATCH operation lists in either Entra dialect, built by `entra.EntraPatch`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from scim_conformance.entra import ENTERPRISE, Dialect, EntraPatch, Op, UserSpec, create_user_body
from scim_conformance.limits import ENTRA, WEBEX, Limits
from scim_conformance.text import (
    LOCAL_PART_OCTETS,
    fit,
    local_parts,
    names,
    phone_numbers,
    simple_text,
)

WORK_EMAIL = 'emails[type eq "work"].value'
# Entra's default mapping targets beyond the basics (entra-sequences.md §12a, §5b).
PHONES = tuple(f'phoneNumbers[type eq "{kind}"].value' for kind in ("work", "mobile", "fax"))
WORK_ADDRESS = tuple(
    f'addresses[type eq "work"].{part}'
    for part in ("streetAddress", "locality", "region", "postalCode", "country")
)
OFFICE = 'addresses[type eq "other"].formatted'
DEPARTMENT = f"{ENTERPRISE}:department"
EMPLOYEE_NUMBER = f"{ENTERPRISE}:employeeNumber"


@dataclass(frozen=True)
class EntraUser:
    """One directory user: the values Entra's default mapping sends, plus optional extras
    keyed by Entra target path (absent when the directory holds nothing: no nulls)."""

    spec: UserSpec
    extras: Mapping[str, str] = field(default_factory=dict)


def counter_tags() -> st.SearchStrategy[str]:
    """A fresh five-digit number per draw, so no two drawn userNames collide, even while
    Hypothesis replays an example (a server may keep a deleted userName reserved)."""
    counter: Iterator[int] = itertools.count(1)
    return st.builds(lambda: f"{next(counter) % 100_000:05d}")


def user_names(
    prefix: str,
    domain: str,
    *,
    exotic: bool = True,
    tags: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[str]:
    """Valid email userNames `<prefix>-<tag>…@<domain>` (RFC 5321 §4.1.2, RFC 6531 §3.3).

    `exotic` adds RFC 6531 non-ASCII local parts and RFC 5321 quoted local parts with
    `\\"` and `\\\\`; both are legal addresses that Entra's UPNs never hold.
    """
    lead = st.tuples(tags or counter_tags(), st.sampled_from(".+-_"))

    def build(parts: tuple[tuple[str, str], tuple[str, str]]) -> str:
        (tag, separator), (kind, local) = parts
        head = f"{prefix}-{tag}"
        room = LOCAL_PART_OCTETS - len(head.encode()) - 3  # 3: separator and two quotes
        if kind == "quoted":
            # A quoted local part is one string: the prefix goes inside the quotes.
            return f'"{head} {fit(local, room, octets=True)}"@{domain}'
        return f"{head}{separator}{fit(local, room, octets=True)}@{domain}"

    return st.tuples(lead, local_parts(exotic=exotic)).map(build)


def is_exotic(user_name: str) -> bool:
    """True for addresses outside Entra's UPN characters: non-ASCII or quoted local parts."""
    return not user_name.isascii() or '"' in user_name or "\\" in user_name


def external_ids(prefix: str, limits: Limits, tags: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """externalId ← mailNickname (§12a): the run prefix, a tag, then nickname characters."""
    return st.tuples(tags, simple_text(limits.external_id)).map(
        lambda parts: fit(f"{prefix}-x{parts[0]}{parts[1]}", limits.external_id)
    )


def _extras(limits: Limits, *, enterprise: bool) -> st.SearchStrategy[dict[str, str]]:
    """Optional mapped attributes, each present or absent (Entra never sends null)."""
    optional: dict[str, st.SearchStrategy[str]] = {"title": names(limits.title)}
    optional.update({path: phone_numbers(limits.phone) for path in PHONES})
    optional.update({path: names(limits.address_part) for path in (*WORK_ADDRESS, OFFICE)})
    if enterprise:
        optional[DEPARTMENT] = names(limits.department)
        optional[EMPLOYEE_NUMBER] = simple_text(limits.employee_number, min_size=1)
    return st.fixed_dictionaries({}, optional=optional)


def entra_users(
    prefix: str,
    domain: str,
    *,
    limits: Limits = WEBEX,
    exotic: bool = True,
    plain_names: bool = False,
    enterprise: bool = True,
    tags: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[EntraUser]:
    """Users as a directory holds them, within `limits` (webex-scim.md §4 by default).

    `plain_names` keeps names fixed (for properties about something else).
    """
    tags = tags or counter_tags()
    user_name = user_names(prefix, domain, exotic=exotic, tags=tags)
    given = st.just("Ada") if plain_names else names(limits.name_part)
    family = st.just("Tester") if plain_names else names(limits.name_part)
    display = st.just(f"{prefix} Ada Tester") if plain_names else names(limits.display_name)
    extras = st.just({}) if plain_names else _extras(limits, enterprise=enterprise)

    def build(values: tuple[str, str, str, str, str, bool, dict[str, str]]) -> EntraUser:
        name, external_id, given_name, family_name, display_name, mailbox, more = values
        spec = UserSpec(
            user_name=name,
            external_id=external_id,
            given_name=given_name,
            family_name=family_name,
            display_name=display_name,
            # Cloud-only users without a mailbox arrive without emails (§12a [S30]).
            work_email=name if mailbox else None,
        )
        return EntraUser(spec, more)

    return st.tuples(
        user_name,
        external_ids(prefix, limits, tags),
        given,
        family,
        display,
        st.booleans(),
        extras,
    ).map(build)


def sent_values(user: EntraUser) -> dict[str, Any]:
    """Every value `create_body(user)` sends, keyed by the path Entra writes it with."""
    spec = user.spec
    values: dict[str, Any] = {
        "userName": spec.user_name,
        "externalId": spec.external_id,
        "active": True,
        "displayName": spec.display_name,
        "name.givenName": spec.given_name,
        "name.familyName": spec.family_name,
        "name.formatted": f"{spec.given_name} {spec.family_name}",
    }
    if spec.work_email is not None:
        values[WORK_EMAIL] = spec.work_email
    values.update(user.extras)
    return values


def create_body(user: EntraUser) -> dict[str, Any]:
    """Entra's POST /Users body (`entra.create_user_body`) with the optional mapped
    attributes placed where Entra's mapping targets put them (§3, §12a)."""
    body = create_user_body(user.spec)
    for path, value in user.extras.items():
        _place(body, path, value)
    return body


def _place(body: dict[str, Any], path: str, value: str) -> None:
    """Set one Entra target path in a POST body: `attr`, `urn:…:attr` or `attr[type eq "t"].sub`."""
    if path.startswith(ENTERPRISE + ":"):
        # Enterprise values arrive nested under the URN key (§3 [S6]).
        body.setdefault(ENTERPRISE, {})[path[len(ENTERPRISE) + 1 :]] = value
        return
    if "[" not in path:
        body[path] = value
        return
    attribute, rest = path.split("[", 1)
    kind = rest.split('"')[1]
    sub = rest.rsplit("].", 1)[1]
    elements: list[dict[str, Any]] = body.setdefault(attribute, [])
    element = next((e for e in elements if e.get("type") == kind), None)
    if element is None:
        element = {"type": kind}
        elements.append(element)
    element[sub] = value


# PATCH ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntraChange:
    """One update Entra sends: changed attributes by target path, or (de)activation."""

    changes: Mapping[str, str] = field(default_factory=dict)
    active: bool | None = None


def updatable(
    prefix: str,
    domain: str,
    *,
    limits: Limits = ENTRA,
    enterprise: bool = True,
    tags: st.SearchStrategy[str] | None = None,
) -> dict[str, st.SearchStrategy[str]]:
    """The attributes Entra updates by PATCH (§5a-§5c, §12a) and their new values.

    Values stay within Entra's own directory limits and UPN characters by default: these
    are requests Entra really sends, so a server that refuses one breaks provisioning.
    """
    tags = tags or counter_tags()
    emails = user_names(prefix, domain, exotic=False, tags=tags)
    values: dict[str, st.SearchStrategy[str]] = {
        "userName": emails,
        WORK_EMAIL: emails,
        "displayName": names(limits.display_name),
        "name.givenName": names(limits.name_part),
        "name.familyName": names(limits.name_part),
        "externalId": external_ids(prefix, limits, tags),
        "title": names(limits.title),
        OFFICE: names(limits.address_part),
    }
    values.update({path: phone_numbers(limits.phone) for path in PHONES})
    values.update({path: names(limits.address_part) for path in WORK_ADDRESS})
    if enterprise:
        values[DEPARTMENT] = names(limits.department)
        values[EMPLOYEE_NUMBER] = simple_text(limits.employee_number, min_size=1)
    return values


def entra_changes(
    prefix: str,
    domain: str,
    *,
    limits: Limits = ENTRA,
    enterprise: bool = True,
    tags: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[list[EntraChange]]:
    """A user's life after create: 1-3 attribute updates, then perhaps a deactivation and
    a reactivation (§5, §6): the order Entra sends them in over provisioning cycles."""
    values = updatable(prefix, domain, limits=limits, enterprise=enterprise, tags=tags)

    @st.composite
    def one_update(draw: st.DrawFn) -> EntraChange:
        paths = draw(st.lists(st.sampled_from(sorted(values)), min_size=1, max_size=4, unique=True))
        return EntraChange({path: draw(values[path]) for path in paths})

    ends = st.sampled_from(
        [[], [EntraChange(active=False)], [EntraChange(active=False), EntraChange(active=True)]]
    )
    updates = st.lists(one_update(), min_size=1, max_size=3)
    return st.tuples(updates, ends).map(lambda parts: [*parts[0], *parts[1]])


def patch_operations(dialect: Dialect, change: EntraChange, present: set[str]) -> list[Op]:
    """The operations Entra sends for one change; `present`: paths that hold a value
    (Entra adds what was empty and replaces the rest, §5a [S2])."""
    entra = EntraPatch(dialect)
    if change.active is not None:
        return entra.set_active(change.active)
    return entra.update(change.changes, added=[p for p in change.changes if p not in present])


def patch_requests(
    dialect: Dialect, present: set[str], changes: list[EntraChange]
) -> list[list[Op]]:
    """One operation list per PATCH request, for a user whose `present` paths hold values."""
    present = set(present)
    requests = []
    for change in changes:
        requests.append(patch_operations(dialect, change, present))
        present |= set(change.changes)
    return requests


def patch_operation_lists(
    dialect: Dialect, prefix: str, domain: str, present: set[str] | None = None
) -> st.SearchStrategy[list[list[Op]]]:
    """PATCH operation lists in one Entra dialect, for a user created by `create_body`
    (by default one holding the basic attributes of `sent_values`)."""
    held = present if present is not None else {"userName", "externalId", "displayName"}
    return entra_changes(prefix, domain).map(lambda changes: patch_requests(dialect, held, changes))
