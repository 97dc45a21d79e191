"""--scim-sweep: find and delete what interrupted runs left behind, by name only.

Only resources named with the suite's convention are touched: userNames and group
displayNames that start with `scimconf-` and eight hex digits (resources.Namer).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from scim_conformance.entra import quote_filter_value
from scim_conformance.http.client import ScimClient

RUN_PREFIX = re.compile(r"^scimconf-[0-9a-f]{8}[- ]")
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


def _resources(scim: ScimClient, collection: str, attribute: str) -> Iterator[dict[str, object]]:
    """Resources whose `attribute` starts with `scimconf-`: by `sw` filter when the server
    supports it, else by paging through the whole collection."""
    query = {"filter": f"{attribute} sw {quote_filter_value('scimconf-')}"}
    if collection == "/Groups":
        query["excludedAttributes"] = "members"
    start, seen = 1, 0
    for _ in range(MAX_PAGES):
        response = scim.get(collection, {**query, "startIndex": str(start), "count": str(PAGE)})
        if response.status == 400 and "filter" in query:
            query.pop("filter")  # no `sw` support: list everything, match by name here
            continue
        body = response.json_object or {}
        page = [r for r in body.get("Resources") or [] if isinstance(r, dict)]
        yield from page
        seen += len(page)
        total = body.get("totalResults")
        if not page or not isinstance(total, int) or seen >= total:
            return
        start += len(page)


def find_leftovers(scim: ScimClient) -> list[Leftover]:
    """Every user and group named like the suite's, groups first (delete order)."""
    found: list[Leftover] = []
    for collection, attribute in (("/Groups", "displayName"), ("/Users", "userName")):
        for resource in _resources(scim, collection, attribute):
            name, rid = resource.get(attribute), resource.get("id")
            if isinstance(name, str) and isinstance(rid, str) and RUN_PREFIX.match(name):
                found.append(Leftover(collection, rid, name))
    return found


def delete(scim: ScimClient, leftovers: list[Leftover]) -> list[str]:
    """Delete them; return one line per resource saying what happened."""
    lines = []
    for leftover in leftovers:
        response = scim.delete(f"{leftover.collection}/{leftover.id}", note="sweep")
        outcome = "deleted" if response.status in (200, 204, 404) else f"HTTP {response.status}"
        lines.append(f"{outcome}: {leftover}")
    return lines
