"""Property-based checks: the Hypothesis runner, and the settings, storage and warnings the
Entra cycles (`cycles/`) share with it (the steps the properties share are in
`graded_steps.py`).

Hypothesis runs many examples inside ONE pytest test, so function-scoped fixtures do
not reset between them: `PropertyRunner` gives every example its own cleanup (each id
it added to the ledger is deleted when the example ends) and its own transcript.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import warnings
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import configuration as hypothesis_configuration
from hypothesis.strategies import SearchStrategy

from scim_conformance.checks.failures import AdvisoryFinding, Blocked, ConformanceFailure
from scim_conformance.checks.fallbacks import RunFallbacks
from scim_conformance.config import DEFAULT_EXAMPLES
from scim_conformance.entra import ENTERPRISE
from scim_conformance.http.client import TransportFailure
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Ledger
from scim_conformance.profiles import GENERIC_APP, Profile
from scim_conformance.properties.graded_steps import Created, create_user
from scim_conformance.properties.strategies import (
    ENTRA,
    OFFICE,
    PHONES,
    WORK_ADDRESS,
    EntraUser,
    Limits,
    create_body,
    sent_values,
)

FALSIFYING = "Falsifying example"


@dataclass(frozen=True)
class PropertyOptions:
    """How many examples each property runs, and the seed that varies them (None: fixed);
    the values of --scim-examples and --scim-seed."""

    examples: int = DEFAULT_EXAMPLES
    seed: str | None = None


def hypothesis_settings(options: PropertyOptions) -> settings:
    """Bounded, quiet, side-effect-free Hypothesis settings for a real tenant."""
    return settings(
        max_examples=options.examples,
        # Same data on every run by default (derandomize implies no example database, so
        # nothing is written into the vendor's directory either).
        derandomize=True,
        database=None,
        deadline=None,  # real tenants take their time; Entra allows 60 s a request
        print_blob=False,  # @reproduce_failure means nothing to someone running the suite
        report_multiple_bugs=False,  # one failure per test, in the plugin's layout
        # No "explain" phase: it traces every shrinking step (several times slower on a
        # real tenant) to list lines of the suite, which tells a vendor nothing.
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def cache_directory() -> Path | None:
    """Where Hypothesis keeps its caches for this user (None: no writable place)."""
    # The XDG base directory convention, as pip and most tools use it.
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "scim-conformance" / "hypothesis"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


@contextlib.contextmanager
def private_storage() -> Iterator[None]:
    """Keep Hypothesis's caches (.hypothesis/) out of the vendor's working directory."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield  # the user chose a place; respect it
        return
    # The one private read of Hypothesis's: it has a public setter for its home directory
    # but no getter, and this restores what was set before instead of the default.
    before = getattr(hypothesis_configuration, "__hypothesis_home_directory", None)
    # The user's cache directory, kept between runs: Hypothesis caches there what it
    # computes once per machine (its Unicode table, the constants it reads from the
    # package's source), about half a second of every run that starts without them.
    # The run's examples do not depend on it (no example database: see `settings`).
    kept = cache_directory()
    path = (
        str(kept) if kept is not None else tempfile.mkdtemp(prefix="scim-conformance-hypothesis-")
    )
    hypothesis_configuration.set_hypothesis_home_dir(path)
    try:
        yield
    finally:
        hypothesis_configuration.set_hypothesis_home_dir(before)
        if kept is None:
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
        limits: Limits = ENTRA,
        fallbacks: RunFallbacks | None = None,
    ) -> None:
        self.name = name
        self.options = options
        self.ledger = ledger
        self.client = ledger.client
        self.mapped = mapped
        self.extension = extension
        self.limits = limits  # the profile's: the longest values its users are drawn with
        self.fallbacks = fallbacks  # the run's fallback where Entra's create is refused
        # Hypothesis may run thousands of examples while it shrinks: keep a few only.
        self._examples: deque[list[Exchange]] = deque(maxlen=options.examples + 1)
        self._stopped: TransportFailure | Blocked | None = None

    def sent(self, user: EntraUser) -> dict[str, Any]:
        """What `create` sends for this user, by Entra target path."""
        return sent_values(user, self.mapped, self.extension)

    def create(self, user: EntraUser, title: str) -> Created | None:
        """POST the user as Entra does (through the run's fallback where Entra's create is
        refused): the new user, or None when legally refused (advisory)."""
        body = create_body(user, self.mapped, self.extension)
        name = user.spec.user_name
        return create_user(self.ledger, body, self.sent(user), name, title, self.fallbacks)

    def check(self, body: Callable[..., None], **strategies: SearchStrategy[Any]) -> None:
        """Run `body` on examples drawn from `strategies` (keyword arguments of `body`)."""

        def example(**values: Any) -> None:
            if self._stopped is not None:
                # No more requests once the connection failed (shrinking would resend every
                # example and wait out each timeout) or a prerequisite broke (the server's
                # state, not the data, decides what follows): the failure is not about
                # the data, and replaying it the same way keeps Hypothesis from calling
                # the test flaky.
                raise self._stopped
            owned = set(self.ledger.remaining())
            exchanges: list[Exchange] = []
            self._examples.append(exchanges)
            with self.client.recording(exchanges):
                try:
                    body(**values)
                except (TransportFailure, Blocked) as exc:
                    self._stopped = exc
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
            with private_storage(), warnings.catch_warnings(record=True) as seen:
                test()
            failed = False
        except BaseException as exc:
            again = f" with --scim-seed={self.options.seed}" if self.options.seed else ""
            show_falsifying_example(exc, f"sent again by every run of this suite{again}")
            raise
        finally:
            self._keep_transcript(outer, failed)
            warn_once(seen)  # outside catch_warnings, so pytest records them

    def _keep_transcript(self, outer: list[Exchange] | None, failed: bool) -> None:
        """A pass keeps every example's exchanges, a failure only the minimal example's."""
        # Hypothesis replays the minimal example last: the report shows what failed.
        if outer is None or not self._examples:
            return
        kept = [self._examples[-1]] if failed else list(self._examples)
        outer.extend(exchange for exchanges in kept for exchange in exchanges)


def show_falsifying_example(exc: BaseException, replay: str) -> None:
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


def warn_once(seen: list[warnings.WarningMessage]) -> None:
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
            again = AdvisoryFinding(record.message.finding)
            again.args = (str(record.message) + times,)
            warnings.warn(again, stacklevel=2)
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)


def mapped_paths(profile: Profile, *, enterprise: bool) -> frozenset[str]:
    """The target paths Entra sends for this app: the profile's, less an absent extension."""
    paths = set(profile.user_attributes)
    if profile in GENERIC_APP:
        # Entra's default mapping sends phones and addresses; profiles.py has no names for them.
        paths |= {*PHONES, *WORK_ADDRESS, OFFICE}
    if not enterprise:
        paths = {path for path in paths if not path.startswith(ENTERPRISE)}
    return frozenset(paths)
