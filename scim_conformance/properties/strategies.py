"""Hypothesis strategies for the users Entra provisions and the PATCH lists it sends.

Reusable by vendors: `entra_users()` draws users the way a directory holds them (any
script, apostrophes, quotes, backslashes, emoji, stray spaces, optional attributes absent,
never null), `create_body()` turns one into Entra's POST body, and
`patch_operation_lists()` draws PATCH operation lists in either Entra dialect, built by
`entra.EntraPatch` so they stay faithful to Entra.
"""

from __future__ import annotations

import functools
import itertools
import os
import string
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from scim_conformance.entra import (
    ENTERPRISE,
    WORK_EMAIL,
    Dialect,
    EntraPatch,
    Op,
    UserSpec,
    create_user_body,
)
from scim_conformance.properties.spellings import ACTIVE, Spelling, pick

# Text -------------------------------------------------------------------------------------

LOCAL_PART_OCTETS = 64  # RFC 5321 §4.5.3.1.1
USER_NAME_MAX = 254  # RFC 5321's longest usable address (Webex's userName length too)
LATIN = string.ascii_letters
DIACRITICS = (
    "ÀÁÂÃÄÅÆÇÈÉÊËÍÎÏÐÑÒÓÔÖØÙÚÜÝÞßàáâãäåæçèéêëíîïðñòóôöøùúüýþÿ"
    "ĀāĆćČčĐđĒēĘęĞğİıŁłŃńŇňŐőŒœŘřŚśŞşŠšŢţŪūŮůŰűŸŹźŻżŽž"
)
GREEK = "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώ"
CYRILLIC = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюяІіЇїЄє"
CJK = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗田中山本佐藤鈴木橋渡辺伊"
HANGUL = "김이박최정강조윤장임한오서신권황안송류홍"
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
EMOJI = "😀🙂🎉🚀🌍💡🦄"
# Precomposed letters only: every string drawn from these is already NFC, so a server
# that normalises Unicode (RFC 6532 §3.1 suggests NFC) still stores what was sent.
SCRIPTS = DIACRITICS + GREEK + CYRILLIC + CJK + HANGUL + ARABIC
# Apostrophes (ASCII and U+2019, as in O'Brien and O\u2019Brien), quotes, backslashes.
NAME_ALPHABET = LATIN + string.digits + SCRIPTS + EMOJI + " '\u2019\"\\-.,"
ATEXT = LATIN + string.digits + "+'-_"  # RFC 5321 atext Entra customers use (and '+')
QTEXT = "".join(c for c in map(chr, range(32, 127)) if c not in '"\\')  # RFC 5321 qtextSMTP
NICKNAME = LATIN + string.digits + "._-"  # mailNickname characters


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: what Java and .NET servers count (emoji count twice)."""
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int, *, octets: bool = False) -> str:
    """`text` cut to at most `limit` UTF-16 code units (or UTF-8 octets)."""
    while (len(text.encode()) if octets else utf16_len(text)) > limit:
        text = text[:-1]
    return text


@functools.cache
def _characters(alphabet: str) -> st.SearchStrategy[str]:
    """One character of `alphabet`, resolved once."""
    # `st.text(alphabet)` resolves a string alphabet to character intervals each time it
    # is called; `_lengths` builds a text strategy per drawn length, so without this the
    # same resolution ran a dozen times per generated user.
    return st.characters(categories=(), include_characters=alphabet)


def _lengths(limit: int, alphabet: str, min_size: int) -> st.SearchStrategy[str]:
    """Short typical values, or any length up to `limit`: long values must come up often."""
    chars = _characters(alphabet)
    typical = st.text(chars, min_size=min_size, max_size=min(limit, 24))
    anywhere = st.integers(max(min_size, 1), limit).flatmap(
        lambda n: st.text(chars, min_size=n, max_size=n)
    )
    return st.one_of(typical, anywhere).map(lambda text: fit(text, limit))


def names(limit: int) -> st.SearchStrategy[str]:
    """Names in any script, with apostrophes, quotes, emoji, outer spaces; never blank."""
    # At most `limit` UTF-16 code units.
    body = _lengths(limit, NAME_ALPHABET, 1).filter(lambda text: bool(text.strip()))
    pad = st.sampled_from(["", "", " ", "  "])
    return st.tuples(pad, body, pad).map(lambda p: fit(p[0] + p[1] + p[2], limit))


def simple_text(limit: int, *, min_size: int = 0) -> st.SearchStrategy[str]:
    """Identifier-like text (mailNickname, employeeId characters)."""
    return _lengths(limit, NICKNAME, min_size)


def phone_numbers(limit: int) -> st.SearchStrategy[str]:
    """Phone numbers as Entra holds them: free text, never reformatted (create-stored)."""

    def digits(low: int, high: int) -> st.SearchStrategy[str]:
        return st.text(string.digits, min_size=low, max_size=high)

    shapes = st.one_of(
        st.tuples(digits(1, 3), digits(2, 4), digits(3, 4), digits(4, 4)).map(
            lambda p: f"+{p[0]} {p[1]} {p[2]} {p[3]}"
        ),
        st.tuples(digits(3, 3), digits(3, 3), digits(4, 4)).map(
            lambda p: f"({p[0]}) {p[1]}-{p[2]}"
        ),
        st.tuples(digits(2, 2), digits(4, 9)).map(lambda p: f"+{p[0]} (0){p[1]}"),
        digits(4, 15),
    )
    extension = st.sampled_from(["", " ext. ", " x", ";ext="])
    return st.tuples(shapes, extension, digits(1, 5)).map(
        lambda p: fit(p[0] + (p[1] + p[2] if p[1] else ""), limit)
    )


def _dot_atom(alphabet: str) -> st.SearchStrategy[str]:
    return st.lists(st.text(alphabet, min_size=1, max_size=12), min_size=1, max_size=3).map(
        lambda atoms: ".".join(atoms)
    )


def local_parts(*, exotic: bool = True) -> st.SearchStrategy[tuple[str, str]]:
    """(kind, text) of an email local part: "dot", or exotic "utf8" and "quoted" ones."""
    # "dot": ASCII dot-atom (mixed case, digits, + . ' - _); "utf8": RFC 6531; "quoted": RFC 5321.
    dot, utf8 = _dot_atom(ATEXT), _dot_atom(ATEXT + SCRIPTS)
    qtext, pair = st.text(QTEXT, max_size=10), st.sampled_from(['\\"', "\\\\"])
    # Mostly the addresses Entra holds; one in four exotic ones when asked for.
    kinds = ["dot"] * 6 + ["utf8", "quoted"] if exotic else ["dot"]

    @st.composite
    def local_part(draw: st.DrawFn) -> tuple[str, str]:
        kind = draw(st.sampled_from(kinds))
        if kind == "quoted":  # qtext around an RFC 5321 quoted-pair: `\"` or `\\`
            return kind, draw(qtext) + draw(pair) + draw(qtext)
        return kind, draw(utf8 if kind == "utf8" else dot)

    return local_part()


def _fit_local(kind: str, text: str, room: int) -> str:
    """Cut a local part to `room` octets without breaking its syntax."""
    text = fit(text, room, octets=True)
    if kind == "quoted":
        while (len(text) - len(text.rstrip("\\"))) % 2:
            text = text[:-1]  # never end inside a quoted-pair: `\"` would escape the quote
        return text
    return text.rstrip(".") or "0"


# Limits -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """The longest value per attribute, in UTF-16 code units."""

    display_name: int
    name_part: int
    title: int
    external_id: int
    department: int
    employee_number: int
    phone: int
    address_part: int

    def of(self, path: str) -> int:
        """The limit for an Entra target path (userName and emails: RFC 5321's 254)."""
        if path.startswith(("phoneNumbers", "addresses")):
            return self.phone if path.startswith("phone") else self.address_part
        named = {
            "displayName": self.display_name,
            "name.givenName": self.name_part,
            "name.familyName": self.name_part,
            "name.formatted": 2 * self.name_part + 1,
            "title": self.title,
            "externalId": self.external_id,
            DEPARTMENT: self.department,
            EMPLOYEE_NUMBER: self.employee_number,
        }
        return named.get(path, USER_NAME_MAX)


# The lengths of Webex's Get User Schema; Webex documents none for name parts, phone numbers
# and address parts, so those take Entra's (below) and the generator stays inside both.
WEBEX = Limits(
    display_name=512,
    name_part=64,
    title=512,
    external_id=256,
    department=512,
    employee_number=256,
    phone=64,
    address_part=40,
)
# What Entra's directory holds at most (Microsoft Graph user resource: displayName 256,
# givenName/surname 64, jobTitle 128, department 64, employeeId 16, mailNickname 64,
# phones 64, postalCode 40): longer values never leave Entra.
ENTRA = Limits(
    display_name=256,
    name_part=64,
    title=128,
    external_id=64,
    department=64,
    employee_number=16,
    phone=64,
    address_part=40,
)
# A profile's own documented limits; every other profile (the generic SCIM app, a vendor's
# TOML file) stays inside what Entra's directory holds.
PROFILE_LIMITS = {"webex": WEBEX}


def limits_for(profile: str) -> Limits:
    """The longest values to generate under the named profile."""
    return PROFILE_LIMITS.get(profile, ENTRA)


# Users ------------------------------------------------------------------------------------

# Entra's default mapping targets beyond the basics (Microsoft Learn: attribute mappings).
PHONES = tuple(f'phoneNumbers[type eq "{kind}"].value' for kind in ("work", "mobile", "fax"))
WORK_ADDRESS = tuple(
    f'addresses[type eq "work"].{part}'
    for part in ("streetAddress", "locality", "region", "postalCode", "country")
)
OFFICE = 'addresses[type eq "other"].formatted'
DEPARTMENT = f"{ENTERPRISE}:department"
EMPLOYEE_NUMBER = f"{ENTERPRISE}:employeeNumber"
# Attributes a directory user may lack: Entra then leaves them out of the body.
OPTIONAL = ("title", *PHONES, *WORK_ADDRESS, OFFICE, DEPARTMENT, EMPLOYEE_NUMBER)
# What every Entra create sends (the SCIM tutorial's create example): the paths that hold a
# value on any created user.
BASIC_PATHS = (
    "userName",
    "externalId",
    "active",
    "displayName",
    "name.givenName",
    "name.familyName",
    "name.formatted",
)


@dataclass(frozen=True)
class EntraUser:
    """One directory user: the basic mapped values, and optional extras by target path."""

    spec: UserSpec
    # An extra is absent when the directory holds nothing: Entra sends no nulls (Known issues).
    extras: Mapping[str, str] = field(default_factory=dict)


# One counter per run (by its prefix), not one per strategy: every property test draws from
# it, so a name never repeats within the run even when nothing is deleted (--scim-keep),
# and never when Hypothesis replays an example (a server may keep a deleted name reserved).
# Each run counts from 1, so every run of a suite version sends the same names after its
# prefix; pytest-xdist workers share the prefix, so each puts its number in front.
_TAG_COUNTERS: dict[str, Iterator[int]] = {}
TAG_LENGTH = 7  # two digits of the worker, five of the counter


def _worker_number() -> int:
    """The pytest-xdist worker's number (gw3 → 3), 0 without xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0) % 100


def counter_tags(prefix: str = "") -> st.SearchStrategy[str]:
    """A new seven-digit tag per draw, unique within the run of this prefix."""
    counter = _TAG_COUNTERS.setdefault(prefix, itertools.count(1))
    worker = _worker_number()
    return st.builds(lambda: f"{worker:02d}{next(counter) % 100_000:05d}")


def user_names(
    prefix: str,
    domain: str,
    *,
    exotic: bool = True,
    tags: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[str]:
    """Valid email userNames `<prefix>-<tag>…@<domain>` (RFC 5321 §4.1.2, RFC 6531 §3.3)."""
    # `exotic` adds non-ASCII (RFC 6531) and quoted local parts holding \" or \\ (RFC 5321):
    # legal addresses, but outside the characters of Entra's UPNs.
    room = LOCAL_PART_OCTETS - len(f"{prefix}-".encode()) - TAG_LENGTH - 3  # separator, quotes
    if room < 8:
        raise ValueError(f"prefix {prefix!r} leaves no room in a 64-octet local part")

    tags = counter_tags(prefix) if tags is None else tags
    separators, locals_ = st.sampled_from(".+-_"), local_parts(exotic=exotic)

    @st.composite
    def user_name(draw: st.DrawFn) -> str:
        tag, separator, (kind, text) = draw(tags), draw(separators), draw(locals_)
        local = _fit_local(kind, text, room)
        if kind == "quoted":  # a quoted local part is one string: the prefix goes inside
            return f'"{prefix}-{tag} {local}"@{domain}'
        return f"{prefix}-{tag}{separator}{local}@{domain}"

    return user_name()


def is_exotic(user_name: str) -> bool:
    """True for addresses outside Entra's UPN characters: non-ASCII or quoted local parts."""
    return not user_name.isascii() or '"' in user_name or "\\" in user_name


def external_ids(
    prefix: str, limits: Limits, tags: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    """externalId ← mailNickname (default mapping): the run prefix, a tag, nickname characters."""
    return st.tuples(tags, simple_text(limits.external_id)).map(
        lambda parts: fit(f"{prefix}-x{parts[0]}{parts[1]}", limits.external_id)
    )


def attribute_values(
    prefix: str,
    domain: str,
    *,
    limits: Limits,
    exotic: bool,
    tags: st.SearchStrategy[str],
) -> dict[str, st.SearchStrategy[str]]:
    """Values for every attribute Entra's default mapping sends, by target path."""
    emails = user_names(prefix, domain, exotic=exotic, tags=tags)
    values: dict[str, st.SearchStrategy[str]] = {
        "userName": emails,
        WORK_EMAIL: emails,
        "displayName": names(limits.display_name),
        "name.givenName": names(limits.name_part),
        "name.familyName": names(limits.name_part),
        "externalId": external_ids(prefix, limits, tags),
        "title": names(limits.title),
        DEPARTMENT: names(limits.department),
        EMPLOYEE_NUMBER: simple_text(limits.employee_number, min_size=1),
        OFFICE: names(limits.address_part),
    }
    values.update({path: phone_numbers(limits.phone) for path in PHONES})
    values.update({path: names(limits.address_part) for path in WORK_ADDRESS})
    return values


def entra_users(
    prefix: str,
    domain: str,
    *,
    limits: Limits = ENTRA,
    exotic: bool = True,
    plain_names: bool = False,
    mapped: Collection[str] | None = None,
    tags: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[EntraUser]:
    """Users as a directory holds them, within `limits` (by default what Entra holds)."""
    # `mapped` (target paths; None: all) limits the optional attributes to the app's
    # mapping; `plain_names` fixes every name, for properties about the userName alone.
    tags = counter_tags(prefix) if tags is None else tags
    values = attribute_values(prefix, domain, limits=limits, exotic=exotic, tags=tags)
    # Each optional attribute present or absent: Entra never sends null (Known issues).
    optional = {p: values[p] for p in OPTIONAL if mapped is None or p in mapped}
    extras = st.fixed_dictionaries({}, optional=optional)

    @st.composite
    def users(draw: st.DrawFn) -> EntraUser:
        name, external_id = draw(values["userName"]), draw(values["externalId"])
        if plain_names:
            return EntraUser(UserSpec(name, external_id, "Ada", "Tester", f"{prefix} Ada", None))
        given, family = draw(values["name.givenName"]), draw(values["name.familyName"])
        shown, more = draw(values["displayName"]), draw(extras)
        # Cloud-only users without a mailbox have no mail, so Entra sends no emails.
        email = name if draw(st.booleans()) else None
        return EntraUser(UserSpec(name, external_id, given, family, shown, email), more)

    return users()


def sent_values(
    user: EntraUser,
    mapped: Collection[str] | None = None,
    extension: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Every value `create_body(user, mapped, extension)` sends, by Entra target path."""
    # userName and active are always sent: Entra's matching attribute and its soft delete.
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
    always = ("userName", "active")
    sent = {p: v for p, v in values.items() if mapped is None or p in mapped or p in always}
    return {**sent, **(extension or {})}


def create_body(
    user: EntraUser,
    mapped: Collection[str] | None = None,
    extension: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Entra's POST /Users body (`entra.create_user_body`) with the mapped extras."""
    body = create_user_body(user.spec, mapped, extension)
    for path, value in user.extras.items():
        if mapped is None or path in mapped:
            _place(body, path, value)
    return body


def _place(body: dict[str, Any], path: str, value: str) -> None:
    """Set one target path in a POST body: `attr`, `urn:…:attr` or `attr[type eq "t"].sub`."""
    if path.startswith(ENTERPRISE + ":"):
        # Enterprise values arrive nested under the URN key (RFC 7643 §3, as Entra sends them).
        body.setdefault(ENTERPRISE, {})[path[len(ENTERPRISE) + 1 :]] = value
        return
    if "[" not in path:
        body[path] = value
        return
    attribute, rest = path.split("[", 1)
    kind, sub = rest.split('"')[1], rest.rsplit("].", 1)[1]
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
    spelling: int = 0  # which of Entra's spellings of `active` (properties/spellings.py)


def updatable(
    prefix: str,
    domain: str,
    *,
    limits: Limits = ENTRA,
    mapped: Collection[str] | None = None,
    tags: st.SearchStrategy[str] | None = None,
) -> dict[str, st.SearchStrategy[str]]:
    """The attributes Entra updates by PATCH (its default mapping) and their new values."""
    # Within Entra's own directory limits and UPN characters by default: requests Entra
    # really sends, so refusing one breaks provisioning.
    tags = counter_tags(prefix) if tags is None else tags
    values = attribute_values(prefix, domain, limits=limits, exotic=False, tags=tags)
    return {path: value for path, value in values.items() if mapped is None or path in mapped}


def entra_changes(
    prefix: str,
    domain: str,
    *,
    limits: Limits = ENTRA,
    mapped: Collection[str] | None = None,
    tags: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[list[EntraChange]]:
    """A user's life after create: 1-3 updates, then perhaps deactivation, reactivation."""
    # The order Entra sends them in over provisioning cycles: updates, then (re)activation.
    values = updatable(prefix, domain, limits=limits, mapped=mapped, tags=tags)
    paths = st.lists(st.sampled_from(sorted(values)), min_size=1, max_size=4, unique=True)

    @st.composite
    def update(draw: st.DrawFn) -> EntraChange:
        return EntraChange({path: draw(values[path]) for path in draw(paths)})

    # (De)activation in each spelling Entra sends in the dialect (a variant dimension).
    spelled = st.integers(min_value=0, max_value=1)
    ends = st.tuples(st.integers(min_value=0, max_value=2), spelled, spelled).map(
        lambda e: (
            EntraChange(active=False, spelling=e[1]),
            EntraChange(active=True, spelling=e[2]),
        )[: e[0]]
    )
    return st.tuples(st.lists(update(), min_size=1, max_size=3), ends).map(
        lambda parts: [*parts[0], *parts[1]]
    )


def patch_operations(dialect: Dialect, change: EntraChange, present: set[str]) -> list[Op]:
    """The operations Entra sends for one change, given the paths that hold a value."""
    # Entra adds what was empty and replaces the rest (Microsoft's SCIM compatibility page).
    entra = EntraPatch(dialect)
    if change.active is not None:
        return active_spelling(dialect, change).build(entra, change.active)
    return entra.update(change.changes, added=[p for p in change.changes if p not in present])


def active_spelling(dialect: Dialect, change: EntraChange) -> Spelling:
    """The catalogued spelling a (de)activation is sent in."""
    return pick(ACTIVE, dialect, change.spelling)


def patch_requests(
    dialect: Dialect, present: set[str], changes: list[EntraChange]
) -> list[list[Op]]:
    """One operation list per PATCH request, for a user whose `present` paths hold values."""
    held = set(present)
    requests = []
    for change in changes:
        requests.append(patch_operations(dialect, change, held))
        held |= set(change.changes)
    return requests


def patch_operation_lists(
    dialect: Dialect, prefix: str, domain: str, present: set[str] | None = None
) -> st.SearchStrategy[list[list[Op]]]:
    """PATCH operation lists in one Entra dialect, for a user holding `present` paths."""
    held = present if present is not None else set(BASIC_PATHS)
    return entra_changes(prefix, domain).map(lambda changes: patch_requests(dialect, held, changes))
