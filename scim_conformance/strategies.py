"""Hypothesis strategies for the users Entra provisions and the PATCH lists it sends.

Reusable by vendors: `entra_users()` draws users the way a directory holds them (any
script, apostrophes, quotes, backslashes, emoji, stray spaces, optional attributes absent,
never null), `create_body()` turns one into Entra's POST body, and
`patch_operation_lists()` draws PATCH operation lists in either Entra dialect, built by
`entra.EntraPatch` so they stay faithful to Entra.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from scim_conformance.entra import ENTERPRISE, Dialect, EntraPatch, Op, UserSpec, create_user_body

# Text -------------------------------------------------------------------------------------

LOCAL_PART_OCTETS = 64  # RFC 5321 §4.5.3.1.1
USER_NAME_MAX = 254  # webex-scim.md §4.1 (and RFC 5321's longest usable address)
LATIN = string.ascii_letters
DIACRITICS = "ÀÁÂÃÄÅÆÇÈÉÊËÍÎÏÐÑÒÓÔÖØÙÚÜÝÞßàáâãäåæçèéêëíîïðñòóôöøùúüýþÿĀāĆćČčĐđĒēĘęĞğİıŁłŃńŇňŐőŒœŘřŚśŞşŠšŢţŪūŮůŰűŸŹźŻżŽž"
GREEK = "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώ"
CYRILLIC = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюяІіЇїЄє"
CJK = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗田中山本佐藤鈴木橋渡辺伊"
HANGUL = "김이박최정강조윤장임한오서신권황안송류홍"
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
EMOJI = "😀🙂🎉🚀🌍💡🦄"
# Precomposed letters only: every string drawn from these is already NFC, so a server
# that normalises Unicode (RFC 6532 §3.1 suggests NFC) still stores what was sent.
SCRIPTS = DIACRITICS + GREEK + CYRILLIC + CJK + HANGUL + ARABIC
NAME_ALPHABET = LATIN + string.digits + SCRIPTS + EMOJI + " '’\"\\-.,"
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


def _lengths(limit: int, alphabet: str, min_size: int) -> st.SearchStrategy[str]:
    """Short typical values, or any length up to `limit`: long values must come up often."""
    typical = st.text(alphabet, min_size=min_size, max_size=min(limit, 24))
    anywhere = st.integers(max(min_size, 1), limit).flatmap(
        lambda n: st.text(alphabet, min_size=n, max_size=n)
    )
    return st.one_of(typical, anywhere).map(lambda text: fit(text, limit))


def names(limit: int) -> st.SearchStrategy[str]:
    """Names across scripts, with apostrophes, quotes, backslashes, emoji and sometimes
    leading or trailing spaces; never blank, at most `limit` UTF-16 code units."""
    body = _lengths(limit, NAME_ALPHABET, 1).filter(lambda text: bool(text.strip()))
    pad = st.sampled_from(["", "", " ", "  "])
    return st.tuples(pad, body, pad).map(lambda p: fit(p[0] + p[1] + p[2], limit))


def simple_text(limit: int, *, min_size: int = 0) -> st.SearchStrategy[str]:
    """Identifier-like text (mailNickname, employeeId characters)."""
    return _lengths(limit, NICKNAME, min_size)


def phone_numbers(limit: int) -> st.SearchStrategy[str]:
    """Phone numbers as Entra holds them: free text, never reformatted (R11)."""

    def digits(low: int, high: int) -> st.SearchStrategy[str]:
        return st.text(string.digits, min_size=low, max_size=high)

    shapes = st.one_of(
        st.tuples(digits(1, 3), digits(2, 4), digits(3, 4), digits(4, 4)).map(
            lambda p: f"+{p[0]} {p[1]} {p[2]} {p[3]}"
        ),
        st.tuples(digits(3, 3), digits(3, 3), digits(4, 4)).map(lambda p: f"({p[0]}) {p[1]}-{p[2]}"),
        st.tuples(digits(2, 2), digits(4, 9)).map(lambda p: f"+{p[0]} (0){p[1]}"),
        digits(4, 15),
    )
    extension = st.sampled_from(["", " ext. ", " x", ";ext="])
    return st.tuples(shapes, extension, digits(1, 5)).map(
        lambda p: fit(p[0] + (p[1] + p[2] if p[1] else ""), limit)
    )


def _dot_atom(alphabet: str) -> st.SearchStrategy[str]:
    return st.lists(st.text(alphabet, min_size=1, max_size=12), min_size=1, max_size=3).map(
        ".".join
    )


def local_parts(*, exotic: bool = True) -> st.SearchStrategy[tuple[str, str]]:
    """(kind, text) of an email local part: "dot" ASCII dot-atom (mixed case, digits,
    `+ . ' - _`), and with `exotic` also "utf8" (RFC 6531) and "quoted" (RFC 5321)."""
    kinds = [_dot_atom(ATEXT).map(lambda text: ("dot", text))]
    if exotic:
        kinds.append(_dot_atom(ATEXT + SCRIPTS).map(lambda text: ("utf8", text)))
        pair = st.sampled_from(['\\"', "\\\\"])  # RFC 5321 quoted-pairSMTP
        quoted = st.tuples(st.text(QTEXT, max_size=10), pair, st.text(QTEXT, max_size=10))
        kinds.append(quoted.map(lambda p: ("quoted", "".join(p))))
    return st.one_of(kinds)


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


# webex-scim.md §4.1/§4.2 lengths; Webex documents none for name parts, phone numbers and
# address parts, so those take Entra's (below) and the generator stays inside both.
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

# Users ------------------------------------------------------------------------------------

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
# What every Entra create sends (§3): the paths that hold a value on any created user.
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
    """One directory user: what Entra's default mapping sends, plus optional extras keyed
    by Entra target path (absent when the directory holds nothing: Entra sends no nulls)."""

    spec: UserSpec
    extras: Mapping[str, str] = field(default_factory=dict)


def counter_tags() -> st.SearchStrategy[str]:
    """A new five-digit number per draw, so drawn userNames never repeat, not even when
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

    `exotic` adds RFC 6531 non-ASCII local parts and RFC 5321 quoted local parts holding
    `\\"` or `\\\\`: legal addresses, but outside the characters of Entra's UPNs.
    """
    room = LOCAL_PART_OCTETS - len(f"{prefix}-00000".encode()) - 3  # separator, quotes
    if room < 8:
        raise ValueError(f"prefix {prefix!r} leaves no room in a 64-octet local part")

    def build(parts: tuple[str, str, tuple[str, str]]) -> str:
        tag, separator, (kind, text) = parts
        local = _fit_local(kind, text, room)
        if kind == "quoted":  # a quoted local part is one string: the prefix goes inside
            return f'"{prefix}-{tag} {local}"@{domain}'
        return f"{prefix}-{tag}{separator}{local}@{domain}"

    separators = st.sampled_from(".+-_")
    return st.tuples(tags or counter_tags(), separators, local_parts(exotic=exotic)).map(build)


def is_exotic(user_name: str) -> bool:
    """True for addresses outside Entra's UPN characters: non-ASCII or quoted local parts."""
    return not user_name.isascii() or '"' in user_name or "\\" in user_name


def external_ids(
    prefix: str, limits: Limits, tags: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    """externalId ← mailNickname (§12a): the run prefix, a tag, then nickname characters."""
    return st.tuples(tags, simple_text(limits.external_id)).map(
        lambda parts: fit(f"{prefix}-x{parts[0]}{parts[1]}", limits.external_id)
    )


def _extras(limits: Limits, *, enterprise: bool) -> st.SearchStrategy[dict[str, str]]:
    """Optional mapped attributes, each present or absent (Entra never sends null, R22)."""
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
    """Users as a directory holds them, within `limits` (webex-scim.md §4 by default);
    `plain_names` keeps every name fixed, for properties about the userName alone."""
    tags = tags or counter_tags()

    @st.composite
    def users(draw: st.DrawFn) -> EntraUser:
        user_name = draw(user_names(prefix, domain, exotic=exotic, tags=tags))
        external_id = draw(external_ids(prefix, limits, tags))
        if plain_names:
            given, family, display, extras = "Ada", "Tester", f"{prefix} Ada Tester", {}
        else:
            given = draw(names(limits.name_part))
            family = draw(names(limits.name_part))
            display = draw(names(limits.display_name))
            extras = draw(_extras(limits, enterprise=enterprise))
        # Cloud-only users without a mailbox arrive without emails (§12a [S30]).
        mailbox = draw(st.booleans())
        spec = UserSpec(user_name, external_id, given, family, display, user_name if mailbox else None)
        return EntraUser(spec, extras)

    return users()


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
    """Set one target path in a POST body: `attr`, `urn:…:attr` or `attr[type eq "t"].sub`."""
    if path.startswith(ENTERPRISE + ":"):
        # Enterprise values arrive nested under the URN key (§3 [S6]).
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


def updatable(
    prefix: str,
    domain: str,
    *,
    limits: Limits = ENTRA,
    enterprise: bool = True,
    tags: st.SearchStrategy[str] | None = None,
) -> dict[str, st.SearchStrategy[str]]:
    """The attributes Entra updates by PATCH (§5a-§5c, §12a) and their new values.

    Within Entra's own directory limits and UPN characters by default: these are
    requests Entra really sends, so refusing one breaks provisioning.
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
    a reactivation (§5, §6), in the order Entra sends them over provisioning cycles."""
    values = updatable(prefix, domain, limits=limits, enterprise=enterprise, tags=tags)
    paths = st.lists(st.sampled_from(sorted(values)), min_size=1, max_size=4, unique=True)

    @st.composite
    def update(draw: st.DrawFn) -> EntraChange:
        return EntraChange({path: draw(values[path]) for path in draw(paths)})

    ends = st.sampled_from(
        [(), (EntraChange(active=False),), (EntraChange(active=False), EntraChange(active=True))]
    )
    return st.tuples(st.lists(update(), min_size=1, max_size=3), ends).map(
        lambda parts: [*parts[0], *parts[1]]
    )


def patch_operations(dialect: Dialect, change: EntraChange, present: set[str]) -> list[Op]:
    """The operations Entra sends for one change; `present` holds the paths that have a
    value (Entra adds what was empty and replaces the rest, §5a [S2])."""
    entra = EntraPatch(dialect)
    if change.active is not None:
        return entra.set_active(change.active)
    return entra.update(change.changes, added=[p for p in change.changes if p not in present])


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
    """PATCH operation lists in one Entra dialect for a created user (by default one
    holding only the attributes every Entra create sends)."""
    held = present if present is not None else set(BASIC_PATHS)
    return entra_changes(prefix, domain).map(lambda changes: patch_requests(dialect, held, changes))
