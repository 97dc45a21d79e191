"""The request variants the properties and the cycles send (catalogued in
`scim_conformance/variants.py`, built by `entra.py` and `entra_variants.py`): the spelling
is a dimension of a step, drawn by Hypothesis and rotated through in the cycles' tour, so
every spelling Entra uses for a step is sent in the dialect under test. A failure names the
variant and the dialect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scim_conformance.checks import rules
from scim_conformance.checks.rules import Rule
from scim_conformance.entra import LEGACY, Dialect, EntraPatch, Op, remove_manager
from scim_conformance.entra_variants import (
    clear_attribute,
    clear_manager,
    reactivate_with_changes,
    remove_members_lower_case,
    set_active_pathless,
    set_active_spelled,
)
from scim_conformance.variants import titled


@dataclass(frozen=True)
class Spelling:
    """One variant of a step: its catalogue id (None: the dialect's plain shape), the
    operations it sends, and the rule a read-back difference after it breaks."""

    id: str | None
    build: Callable[..., list[Op]]
    rule: Rule = rules.PATCH_APPLIED

    def title(self, dialect: Dialect, title: str) -> str:
        """The step's title, naming the variant and the dialect when it has an id."""
        return titled(self.id, dialect, title) if self.id else title


def _active(spelling: str) -> Callable[[EntraPatch, bool], list[Op]]:
    def build(patch: EntraPatch, active: bool) -> list[Op]:
        return set_active_spelled(patch, active, spelling)  # type: ignore[arg-type]

    return build


def _pathless(patch: EntraPatch, active: bool) -> list[Op]:
    return set_active_pathless(patch, active)


def _clear(how: str) -> Callable[[EntraPatch, str], list[Op]]:
    def build(patch: EntraPatch, path: str) -> list[Op]:
        return clear_attribute(patch, path, how)  # type: ignore[arg-type]

    return build


def _remove_plain(patch: EntraPatch, ids: Sequence[str]) -> list[Op]:
    return patch.remove_members(ids)


def _remove_lower(patch: EntraPatch, ids: Sequence[str]) -> list[Op]:
    return remove_members_lower_case(ids)


def _unset(shape: str) -> Callable[[EntraPatch, str], list[Op]]:
    def build(patch: EntraPatch, manager_id: str) -> list[Op]:
        if shape == "replace-empty":
            return clear_manager(patch)
        return remove_manager(shape, manager_id)  # type: ignore[arg-type]

    return build


def _reactivate(patch: EntraPatch, changes: dict[str, Any]) -> list[Op]:
    return reactivate_with_changes(patch, changes)


LOWER_REMOVE = Spelling(
    "op-remove-lower-with-value", _remove_lower, rules.REMOVE_MEMBERS_WITH_VALUE
)
# By step, then dialect: the spellings Entra is documented or reported to send there.
ACTIVE: dict[str, tuple[Spelling, ...]] = {
    LEGACY: (
        Spelling("active-capitalised-string-path", _active("capitalised")),
        Spelling("active-lower-string-path", _active("lower"), rules.ACTIVE_STRING_ANY_CASE),
    ),
    "aadOptscim062020": (
        Spelling("active-json-path", _active("json")),
        Spelling("active-json-pathless", _pathless),
    ),
}
CLEAR: dict[str, tuple[Spelling, ...]] = {
    LEGACY: (
        Spelling("clear-replace-empty", _clear("empty"), rules.PATCH_CLEAR_ATTRIBUTE),
        Spelling("op-remove-path", _clear("remove"), rules.PATCH_CLEAR_ATTRIBUTE),
    ),
    "aadOptscim062020": (
        Spelling("clear-replace-null", _clear("null"), rules.PATCH_CLEAR_ATTRIBUTE),
        Spelling("op-remove-path", _clear("remove"), rules.PATCH_CLEAR_ATTRIBUTE),
    ),
}
REMOVE_MEMBERS: dict[str, tuple[Spelling, ...]] = {
    LEGACY: (
        Spelling(
            "op-remove-capitalised-with-value", _remove_plain, rules.REMOVE_MEMBERS_WITH_VALUE
        ),
        LOWER_REMOVE,
    ),
    "aadOptscim062020": (
        Spelling("op-remove-lower-filter-path", _remove_plain),
        LOWER_REMOVE,
    ),
}
UNSET_MANAGER: dict[str, tuple[Spelling, ...]] = {
    LEGACY: (
        Spelling("manager-remove-value-filter", _unset("value-filter")),
        Spelling("manager-remove-replace-empty", _unset("replace-empty")),
        Spelling("manager-remove-urn-path", _unset("urn-path")),
    ),
    "aadOptscim062020": (
        Spelling("manager-remove-urn-path", _unset("urn-path")),
        Spelling("manager-remove-value-filter", _unset("value-filter")),
    ),
}
REACTIVATE_CHANGED = Spelling("reactivate-with-changes", _reactivate)


def pick(table: Mapping[str, tuple[Spelling, ...]], dialect: Dialect, which: int | str) -> Spelling:
    """A step's spelling in this dialect: by index (modulo), or by catalogue id."""
    choices = table[dialect]
    if isinstance(which, str):
        return next(s for s in choices if s.id == which)
    return choices[which % len(choices)]
