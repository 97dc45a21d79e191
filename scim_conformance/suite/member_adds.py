"""Adding members as a test's prerequisite: Entra's add, or a plainer one the server accepts.

Entra adds members with `"$ref": null` in each value (its SCIM tutorial). A server refusing
that shape is one finding, reported by the add-member test (test_add_one_member, which sends
Entra's shape itself). The tests that only need a group with members (remove one, rename
keeps them, ...) still run: the members are added by a fallback (checks/fallbacks.py
MEMBER_LADDER), learned once per process and dialect and reused, so the refused shape is
not resent for every test. The test says so the way a create fallback does (a "SCIM
fallback" section and `scim_fallback` properties). Only where no fallback is accepted are
the dependent tests blocked, by the add-member finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import describe, expect_status
from scim_conformance.checks.failures import Blocked, Finding
from scim_conformance.checks.fallbacks import MEMBER_LADDER, REFUSED_BODY, member_add_ops
from scim_conformance.entra import EntraPatch, patch_body
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.reporting.findings import fingerprint
from scim_conformance.suite.prerequisites import announce

ACCEPTED = (200, 204)  # Entra expects 204 and accepts 200 (as checks/steps.patch_group)


@dataclass(frozen=True)
class MemberFallback:
    """How members were added after Entra's add was refused: the step, and the finding."""

    step: str  # a MEMBER_LADDER label
    finding: Finding  # the add-member finding it stands in for

    def line(self, base_url: str) -> str:
        """The sentence the test's report carries."""
        return (
            f"prerequisite met by fallback: members added {self.step} after Entra's add was "
            f"refused (see finding {self.fingerprint(base_url)})"
        )

    def fingerprint(self, base_url: str) -> str:
        """The fingerprint of the add-member finding, as reports name it."""
        return fingerprint(self.finding.rule, self.finding.exchange, base_url)


@dataclass
class MemberAdds:
    """Adds members for one process's tests; remembers per dialect which fallback worked
    (or that none did)."""

    scim: ScimClient
    base_url: str
    _learned: dict[str, MemberFallback | Finding] = field(default_factory=dict)

    def add(
        self,
        item: pytest.Item,
        entra: EntraPatch,
        group_id: str,
        member_ids: Sequence[str],
        title: str,
    ) -> ScimResponse:
        """Add `member_ids` to the group as Entra does, else by the learned or a new
        fallback; the accepted PATCH (the write a membership check names as its cause)."""
        op = entra.op("add")
        learned = self._learned.get(entra.dialect)
        if isinstance(learned, Finding):
            raise Blocked(learned)
        if isinstance(learned, MemberFallback):
            response = self._patch(group_id, member_add_ops(learned.step, op, member_ids))
            expect_status(response, ACCEPTED, f"{title} ({learned.step})", rule=rules.PATCH_STATUS)
            announce(item, learned.line(self.base_url), learned.fingerprint(self.base_url))
            return response
        response = self._patch(group_id, entra.add_members(member_ids))
        if response.status in ACCEPTED or response.status not in REFUSED_BODY:
            expect_status(response, ACCEPTED, title, rule=rules.PATCH_STATUS)  # as before
            return response
        finding = refused(response)
        self._learned[entra.dialect] = finding  # until a fallback is accepted
        for step in MEMBER_LADDER:
            answer = self._patch(group_id, member_add_ops(step, op, member_ids))
            if answer.status in ACCEPTED:
                used = MemberFallback(step, finding)
                self._learned[entra.dialect] = used
                announce(item, used.line(self.base_url), used.fingerprint(self.base_url))
                return answer
        raise Blocked(finding)

    def _patch(self, group_id: str, operations: list[dict[str, object]]) -> ScimResponse:
        return self.scim.patch(f"/Groups/{group_id}", patch_body(operations))


def refused(response: ScimResponse) -> Finding:
    """The add-member finding a refused prerequisite stands for (test_add_one_member
    reports it: the same rule and kind of request, so the same fingerprint)."""
    return Finding(
        rules.PATCH_STATUS,
        "Could not add the members this test needs (see test_add_one_member)",
        "HTTP 200 or 204",
        describe(response),
        response.exchange,
    )
