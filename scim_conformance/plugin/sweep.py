"""--scim-sweep: find and delete what interrupted runs left behind, by name only.

Only resources named with the suite's convention are touched: userNames and group
displayNames that start with `scimconf-` and eight hex digits (ledger.Namer), or with a
quote and then those (the quoted userNames of the property-based checks).
"""

from __future__ import annotations

import contextlib
import re
import sys
from dataclasses import dataclass

import pytest

from scim_conformance.entra import quote_filter_value
from scim_conformance.http.client import ScimClient

RUN_PREFIX = re.compile(r'^"?scimconf-[0-9a-f]{8}[- ]')
# Where to look, groups first (delete order); userNames may be quoted (RFC 5321 §4.1.2).
SEARCHES = (
    ("/Groups", "displayName", ("scimconf-",)),
    ("/Users", "userName", ("scimconf-", '"scimconf-')),
)
PAGE = 100
MAX_PAGES = 500  # 50,000 resources: a bound, so a server ignoring startIndex cannot loop us


@dataclass(frozen=True)
class Leftover:
    """A resource an earlier run created and did not delete."""

    collection: str
    id: str
    name: str

    def __str__(self) -> str:
        return f"{self.collection}/{self.id}  {self.name}"


def _resources(
    scim: ScimClient, collection: str, attribute: str, start: str
) -> tuple[list[dict[str, object]], bool]:
    """Resources whose `attribute` starts with `start` by `sw` filter, or, when the server
    has no `sw`, the whole collection page by page; and whether the filter was used."""
    query = {"filter": f"{attribute} sw {quote_filter_value(start)}"}
    if collection == "/Groups":
        query["excludedAttributes"] = "members"
    found: list[dict[str, object]] = []
    index = 1
    for _ in range(MAX_PAGES):
        response = scim.get(collection, {**query, "startIndex": str(index), "count": str(PAGE)})
        if response.status == 400 and "filter" in query:
            query.pop("filter")  # no `sw` support: list everything, match by name here
            continue
        body = response.json_object or {}
        page = [r for r in body.get("Resources") or [] if isinstance(r, dict)]
        found += page
        total = body.get("totalResults")
        if not page or not isinstance(total, int) or len(found) >= total:
            break
        index += len(page)
    return found, "filter" in query


def find_leftovers(scim: ScimClient) -> list[Leftover]:
    """Every user and group named like the suite's, groups first (delete order)."""
    found: dict[str, Leftover] = {}
    for collection, attribute, starts in SEARCHES:
        for start in starts:
            resources, filtered = _resources(scim, collection, attribute, start)
            for resource in resources:
                name, rid = resource.get(attribute), resource.get("id")
                if isinstance(name, str) and isinstance(rid, str) and RUN_PREFIX.match(name):
                    found[rid] = Leftover(collection, rid, name)
            if not filtered:
                break  # the whole collection was listed: every name has been seen
    return list(found.values())


def delete(scim: ScimClient, leftovers: list[Leftover]) -> list[str]:
    """Delete them; return one line per resource saying what happened."""
    lines = []
    for leftover in leftovers:
        response = scim.delete(f"{leftover.collection}/{leftover.id}", note="sweep")
        outcome = "deleted" if response.status in (200, 204, 404) else f"HTTP {response.status}"
        lines.append(f"{outcome}: {leftover}")
    return lines


def run(config: pytest.Config, scim: ScimClient, *, yes: bool) -> None:
    """--scim-sweep: list the leftovers of earlier runs, confirm, delete, and stop."""
    writer = config.get_terminal_writer()
    leftovers = find_leftovers(scim)
    if not leftovers:
        pytest.exit("--scim-sweep: no leftovers of earlier runs found", returncode=0)
    writer.line(f"--scim-sweep found {len(leftovers)} leftover(s) of earlier runs:")
    for leftover in leftovers:
        writer.line(f"  {leftover}")
    if not yes and not _confirmed(config, len(leftovers)):
        pytest.exit(
            "--scim-sweep: nothing deleted; pass --yes to delete the resources listed above",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    for line in delete(scim, leftovers):
        writer.line(f"  {line}")
    pytest.exit(f"--scim-sweep: done ({len(leftovers)} resource(s))", returncode=0)


def _confirmed(config: pytest.Config, count: int) -> bool:
    """Ask on a terminal; anywhere else the answer is no (use --yes)."""
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        if not sys.stdin.isatty():
            return False
        answer = input(f"Delete these {count} resource(s)? [y/N] ")
    return answer.strip().lower() in ("y", "yes")
