"""Property-based checks: options, the Hypothesis runner, and the steps the properties share.

Hypothesis runs many examples inside ONE pytest test, so function-scoped fixtures do
not reset between them: `PropertyRunner` gives every example its own cleanup (each id
it added to the ledger is deleted when the example ends) and its own transcript.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
import warnings
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import configuration as hypothesis_configuration
from hypothesis.strategies import SearchStrategy

from scim_conformance.checks.expectations import describe, expect_list_response
from scim_conformance.checks.failures import AdvisoryFinding, ConformanceFailure, Severity, fail
from scim_conformance.entra import ENTERPRISE, user_query
from scim_conformance.http.client import ScimClient, TransportFailure
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Ledger
from scim_conformance.profiles import Profile
from scim_conformance.properties.strategies import (
    ENTRA,
    OFFICE,
    PHONES,
    WORK_ADDRESS,
    EntraUser,
    create_body,
    is_exotic,
    sent_values,
    utf16_len,
)

DEFAULT_EXAMPLES = 10  # small: a certification run on a live tenant stays cheap
EXAMPLES_ENV, SEED_ENV = "SCIM_EXAMPLES", "SCIM_SEED"
FALSIFYING = "Falsifying example"


class PropertyOptionError(ValueError):
    """A bad --scim-examples / --scim-seed value (or SCIM_EXAMPLES / SCIM_SEED)."""


def parse_examples(text: str) -> int:
    """A positive number of examples."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise PropertyOptionError(f"--scim-examples must be a positive integer (got {text!r})")
    return value


def _examples_argument(text: str) -> int:
    """argparse type: its own message, not argparse's "invalid value"."""
    try:
        return parse_examples(text)
    except PropertyOptionError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_options(group: pytest.OptionGroup) -> None:
    """The property options, in the plugin's 'scim-conformance' option group."""
    group.addoption(
        "--scim-examples",
        dest="scim_examples",
        metavar="N",
        type=_examples_argument,
        help=f"Generated examples per property-based check (default {DEFAULT_EXAMPLES}); "
        f"each creates one user or more, all deleted. Env: {EXAMPLES_ENV}.",
    )
    group.addoption(
        "--scim-seed",
        dest="scim_seed",
        metavar="SEED",
        help="Vary the generated data. Without it every run of a suite version sends the "
        f"same data (a reproducible certification run). Env: {SEED_ENV}.",
    )


@dataclass(frozen=True)
class PropertyOptions:
    """How many examples each property runs, and the seed that varies them (None: fixed)."""

    examples: int = DEFAULT_EXAMPLES
    seed: str | None = None


def options_of(config: pytest.Config, env: dict[str, str] | None = None) -> PropertyOptions:
    """The options: command line, then environment."""
    # Read defensively: the options exist only once the plugin registers them.
    env = dict(os.environ) if env is None else env
    examples = config.getoption("scim_examples", default=None) or env.get(EXAMPLES_ENV)
    chosen_seed = config.getoption("scim_seed", default=None) or env.get(SEED_ENV)
    if isinstance(examples, str):
        examples = parse_examples(examples)
    return PropertyOptions(int(examples or DEFAULT_EXAMPLES), str(chosen_seed or "") or None)


def hypothesis_settings(options: PropertyOptions) -> settings:
    """Bounded, quiet, side-effect-free Hypothesis settings for a real tenant."""
    return settings(
        max_examples=options.examples,
        # Same data on every run by default (derandomize implies no example database, so
        # nothing is written into the vendor's directory either).
        derandomize=True,
        database=None,
        deadline=None,  # real tenants take their time; Entra allows 60 s a request [S26]
        print_blob=False,  # @reproduce_failure means nothing to someone running the suite
        report_multiple_bugs=False,  # one failure per test, in the plugin's layout
        # No "explain" phase: it traces every shrinking step (several times slower on a
        # real tenant) to list lines of the suite, which tells a vendor nothing.
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@contextlib.contextmanager
def _private_storage() -> Iterator[None]:
    """Keep Hypothesis's caches (.hypothesis/) out of the vendor's working directory."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield  # the user chose a place; respect it
        return
    before = getattr(hypothesis_configuration, "__hypothesis_home_directory", None)
    path = tempfile.mkdtemp(prefix="scim-conformance-hypothesis-")
    hypothesis_configuration.set_hypothesis_home_dir(path)
    try:
        yield
    finally:
        hypothesis_configuration.set_hypothesis_home_dir(before)
        shutil.rmtree(path, ignore_errors=True)


class PropertyRunner:
    """Runs one property: fixed seed per test id, cleanup and transcript per example."""

    def __init__(
        self,
        name: str,
        options: PropertyOptions,
        ledger: Ledger,
        *,
        mapped: Collection[str] | None = None,
        extension: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.options = options
        self.ledger = ledger
        self.client = ledger.client
        self.mapped = mapped
        self.extension = extension
        # Hypothesis may run thousands of examples while it shrinks: keep a few only.
        self._examples: deque[list[Exchange]] = deque(maxlen=options.examples + 1)
        self._lost: TransportFailure | None = None

    def sent(self, user: EntraUser) -> dict[str, Any]:
        """What `create` sends for this user, by Entra target path."""
        return sent_values(user, self.mapped, self.extension)

    def create(self, user: EntraUser, title: str) -> str | None:
        """POST the user as Entra does: its id, or None when legally refused (advisory)."""
        return create_user(self, user, title)

    def check(self, body: Callable[..., None], **strategies: SearchStrategy[Any]) -> None:
        """Run `body` on examples drawn from `strategies` (keyword arguments of `body`)."""

        def example(**values: Any) -> None:
            if self._lost is not None:
                # No more requests once the connection failed: shrinking would resend every
                # example and wait out each timeout. The failure is not about the data.
                raise self._lost
            owned = set(self.ledger.remaining())
            exchanges: list[Exchange] = []
            self._examples.append(exchanges)
            self.client.sink = exchanges
            try:
                body(**values)
            except TransportFailure as exc:
                self._lost = exc
                raise
            finally:
                for resource_id in reversed(list(self.ledger.remaining())):
                    if resource_id not in owned:
                        self.ledger.delete(resource_id)

        # Hypothesis names the function in its report: show the property's own name.
        example.__name__ = example.__qualname__ = body.__name__
        # A seed made of the test id (plus --scim-seed): Hypothesis's derandomize alone
        # would hash this wrapper, which is the same for every property.
        material = " ".join(filter(None, ("scim-conformance", self.name, self.options.seed)))
        test = seed(material)(hypothesis_settings(self.options)(given(**strategies)(example)))
        outer, failed = self.client.sink, True
        seen: list[warnings.WarningMessage] = []
        try:
            with _private_storage(), warnings.catch_warnings(record=True) as seen:
                test()
            failed = False
        except BaseException as exc:
            again = f" with --scim-seed={self.options.seed}" if self.options.seed else ""
            _show_falsifying_example(exc, f"sent again by every run of this suite{again}")
            raise
        finally:
            self.client.sink = outer
            self._keep_transcript(outer, failed)
            _warn_once(seen)  # outside catch_warnings, so pytest records them

    def _keep_transcript(self, outer: list[Exchange] | None, failed: bool) -> None:
        """A pass keeps every example's exchanges, a failure only the minimal example's."""
        # Hypothesis replays the minimal example last: the report shows what failed.
        if outer is None or not self._examples:
            return
        kept = [self._examples[-1]] if failed else list(self._examples)
        outer.extend(exchange for exchanges in kept for exchange in exchanges)


def _show_falsifying_example(exc: BaseException, replay: str) -> None:
    """Call Hypothesis's note "Falsifying example" and put it where the plugin shows it."""
    # Hypothesis 6.1xx says "Failing test case"; the plugin renders ConformanceFailure,
    # AdvisoryFinding and TransportFailure from their message, without __notes__.
    notes = [
        note.replace("Failing test case:", f"{FALSIFYING}:", 1)
        for note in getattr(exc, "__notes__", [])
    ]
    if not notes:
        return
    if isinstance(exc, (ConformanceFailure, AdvisoryFinding, TransportFailure)) and exc.args:
        # The plugin replaces the traceback by str(exc), which drops __notes__.
        shown = "\n".join("  " + line for line in "\n".join(notes).splitlines())
        exc.args = (f"{exc.args[0]}\n{shown}\n  ({replay})", *exc.args[1:])
        notes = []  # shown once, in the message
    # PEP 678 notes: Python 3.11+, and Hypothesis sets the attribute itself on 3.10.
    exc.__notes__ = notes  # type: ignore[attr-defined]


def _warn_once(seen: list[warnings.WarningMessage]) -> None:
    """Re-issue recorded warnings; an advisory finding once per title, with its count."""
    counts: dict[str, int] = {}
    first: dict[str, warnings.WarningMessage] = {}
    for record in seen:
        key = str(record.message).split("\n", 1)[0]
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, record)
    for key, record in first.items():
        if isinstance(record.message, AdvisoryFinding):
            times = f"\n  (seen {counts[key]} times across the generated examples)"
            warnings.warn(AdvisoryFinding(str(record.message) + times), stacklevel=2)
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)


# Shared steps --------------------------------------------------------------------------------

CREATE_RULE = (
    "RFC 7644 §3.3 (201 with the new resource); RFC 7643 §2.3.1 (strings are Unicode); "
    "Entra tutorial [S1] R11 (store values as sent, reject invalid ones with a descriptive error)"
)
EXOTIC = (
    "Entra's UPNs never hold quoted or non-ASCII local parts, and Entra cannot filter values "
    "with special characters [S7], so Entra never sends this; other SCIM clients do"
)


def mapped_paths(profile: Profile, *, enterprise: bool) -> frozenset[str]:
    """The target paths Entra sends for this app: the profile's, less an absent extension."""
    paths = set(profile.user_attributes)
    if profile.name == "entra-default":
        # §12a maps phones and addresses by default; profiles.py has no names for them yet.
        paths |= {*PHONES, *WORK_ADDRESS, OFFICE}
    if not enterprise:
        paths = {path for path in paths if not path.startswith(ENTERPRISE)}
    return frozenset(paths)


def severity_for(user_name: str) -> Severity:
    """Exotic userNames are RFC matters only: Entra never gets to send them (§2 [S7])."""
    return Severity.RFC if is_exotic(user_name) else Severity.ENTRA_BREAKING


def refusal_reason(sent: Mapping[str, Any], user_name: str) -> str | None:
    """Why a server may refuse these values with a 4xx and still serve Entra, or None."""
    if is_exotic(user_name):
        return "its userName is a quoted or non-ASCII address, which Entra's UPNs never are"
    longer = [
        f"{path} ({ENTRA.of(path)})"
        for path, value in sent.items()
        if isinstance(value, str) and utf16_len(value) > ENTRA.of(path)
    ]
    if longer:
        return f"values are longer than Entra's directory holds: {', '.join(longer)}"
    return None


def create_user(runner: PropertyRunner, user: EntraUser, title: str) -> str | None:
    """POST the user's Entra body; its id, None when legally refused, else a failure."""
    scim, ledger = runner.client, runner.ledger
    name = user.spec.user_name
    try:
        response = scim.post("/Users", create_body(user, runner.mapped, runner.extension))
    except TransportFailure:
        ledger.adopt("/Users", "userName", name)  # it may exist: find it so cleanup covers it
        raise
    body = response.json_object
    user_id = body.get("id") if body else None
    if response.status in (200, 201) and isinstance(user_id, str) and user_id:
        ledger.add("/Users", user_id)
        return user_id
    if response.status in (200, 201):
        ledger.adopt("/Users", "userName", name)  # created, but no id came back
    reason = refusal_reason(runner.sent(user), name)
    if reason and 400 <= response.status < 500 and response.status != 409 and body:
        fail(
            Severity.ADVISORY,
            f"{title}: refused because {reason}",
            expected="HTTP 201, or a 400 that the server's documentation explains",
            actual=describe(response),
            rule=CREATE_RULE + "; webex-scim.md §4 (documented limits)",
            entra="Entra does not send such values; other clients and future Entra data may",
            response=response,
        )
        return None
    severity = severity_for(name)
    entra = "Entra logs the create as failed and retries every cycle; the user never arrives [S9]"
    fail(
        severity,
        title,
        expected="HTTP 201 with the new user's id",
        actual=describe(response),
        rule=CREATE_RULE,
        entra=entra if severity is Severity.ENTRA_BREAKING else EXOTIC,
        response=response,
    )
    return None


def expect_match(
    scim: ScimClient, value: str, user_id: str, title: str, *, severity: Severity
) -> None:
    """`userName eq "<value>"`, escaped by `entra.filter_eq`, finds exactly `user_id`."""
    response = scim.get("/Users", user_query("userName", value))
    rule = (
        "RFC 7644 §3.4.2.2 (compValue is a JSON string: quotes and backslashes arrive "
        "escaped); RFC 7643 §4.1.1 (userName caseExact false); Entra R4"
    )
    entra = (
        "0 hits: Entra creates a duplicate and gets 409 EntryConflict; more than one: "
        "Entra logs DuplicateTargetEntries and skips the user [S9]"
        if severity is Severity.ENTRA_BREAKING
        else EXOTIC
    )
    if response.status != 200:
        fail(
            severity,
            title,
            expected="HTTP 200 with a ListResponse holding exactly the created user",
            actual=describe(response),
            rule=rule,
            entra=entra,
            response=response,
        )
    body = expect_list_response(response, title)
    resources = body.get("Resources")
    listed = resources if isinstance(resources, list) else []
    ids = [r.get("id") for r in listed if isinstance(r, dict)]
    if ids != [user_id]:
        fail(
            severity,
            title,
            expected=f"exactly one user, id {user_id}",
            actual=f"{len(ids)} user(s): {', '.join(map(str, ids[:5])) or 'none'}",
            rule=rule,
            entra=entra,
            response=response,
        )


def flip_case(text: str) -> str:
    """Swap the case of ASCII letters only."""
    # Unicode case mapping is not one-to-one ('ß' → 'SS', 'İ' → 'i̇'), and RFC 7644 does
    # not say which folding a server uses.
    return "".join(c.swapcase() if c.isascii() else c for c in text)
