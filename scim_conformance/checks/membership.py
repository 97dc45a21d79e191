"""Group membership read back the way Entra can see it, also when members are hidden.

Returning `members` is optional for Entra (its SCIM tutorial), so a server that never
returns them is legal, and a membership check that gives up on it passes a server that
empties the group on Entra's legacy member removal. When a group read carries no
`members`, membership is asked user by user with a filter Entra's own documents use:
`id eq "<g>" and members[value eq "<u>"]` (the value filter of the flag dialect's member
removal), then `id eq "<g>" and members eq "<u>"` (the group form of the tutorial's
reference check). Only a server answering neither leaves membership unverified (advisory).
A manager a user read does not show is asked the same way, with the tutorial's reference
check `id eq "<u>" and manager eq "<m>"`.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from scim_conformance.checks.resource_paths import get_key
from scim_conformance.checks.steps import group_members
from scim_conformance.entra import MEMBER_FORMS, MemberForm, manager_query, member_query
from scim_conformance.http.client import ScimClient, ScimResponse

READ_FORM = "the group's members attribute"
FORM_TEXT: dict[MemberForm, str] = {
    "members[value eq]": 'the filter id eq "<group>" and members[value eq "<user>"]',
    "members eq": 'the filter id eq "<group>" and members eq "<user>"',
}
UNKNOWN = "no members attribute, and neither membership filter is supported"


@dataclass(frozen=True)
class Membership:
    """Who of the users asked about is a member, and how it was learnt.

    `members` is the full member list when the group read shows it, else the members among
    the users asked about; None when the server offers no way to tell.
    """

    members: frozenset[str] | None
    form: str  # READ_FORM, a filter form, or why membership is unknown
    response: ScimResponse  # the last read: the evidence a finding shows

    def among(self, users: Iterable[str]) -> frozenset[str] | None:
        """The members among `users` (None when unknown)."""
        if self.members is None:
            return None
        return self.members & frozenset(users)


def _listed(response: ScimResponse, resource_id: str) -> bool | None:
    """True when the filter's answer lists the resource, False when it lists nothing, None
    when the answer is no usable ListResponse (the form is not supported)."""
    body = response.json_object
    if response.status != 200 or body is None:
        return None
    resources = get_key(body, "Resources")
    listed = [r for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []
    if not listed:
        return False if get_key(body, "totalResults") in (0, None) else None
    # Another group, or several: the server ignored part of the filter.
    return True if {get_key(r, "id") for r in listed} == {resource_id} else None


def _usable(scim: ScimClient, group_id: str, form: MemberForm) -> bool:
    """A form is usable when it answers "not a member" for an id no group holds."""
    stranger = f"no-such-user-{uuid.uuid4()}"
    probe = scim.get("/Groups", member_query(group_id, stranger, form), note="membership probe")
    return _listed(probe, group_id) is False


# The filter forms that have listed a member on this client's server at least once: a form
# that has only ever answered "no" may be parsed but never matched, so an empty answer from
# it proves nothing (no false "members lost" from a filter the server cannot evaluate).
_CONFIRMED: weakref.WeakKeyDictionary[ScimClient, set[MemberForm]] = weakref.WeakKeyDictionary()


def membership(
    scim: ScimClient,
    group_id: str,
    users: Iterable[str],
    title: str,
    *,
    expected: Iterable[str] = (),
) -> Membership:
    """The group's members, read back; by filter for each of `users` when reads hide them.

    `expected` are the members the caller expects: when a filter form that never listed a
    member finds none of them, membership is unknown rather than lost.
    """
    members, response = group_members(scim, group_id, title)
    if members is not None:
        return Membership(frozenset(members), READ_FORM, response)
    asked = sorted(set(users) | set(expected))
    confirmed = _CONFIRMED.setdefault(scim, set())
    for form in MEMBER_FORMS:
        if not _usable(scim, group_id, form):
            continue
        found: set[str] = set()
        for user_id in asked:
            response = scim.get("/Groups", member_query(group_id, user_id, form))
            listed = _listed(response, group_id)
            if listed is None:
                break  # the form stopped working: try the next one
            if listed:
                found.add(user_id)
        else:
            if found:
                confirmed.add(form)
            if found or form in confirmed or not set(expected):
                return Membership(frozenset(found), FORM_TEXT[form], response)
    return Membership(None, UNKNOWN, response)


def manager_listed(scim: ScimClient, user_id: str, manager_id: str) -> bool | None:
    """Entra's reference check for a manager a user read does not show: whether
    `id eq "<u>" and manager eq "<m>"` lists the user (None: the filter is not supported)."""
    stranger = scim.get("/Users", manager_query(user_id, f"no-such-user-{uuid.uuid4()}"))
    if _listed(stranger, user_id) is not False:
        return None
    return _listed(scim.get("/Users", manager_query(user_id, manager_id)), user_id)
