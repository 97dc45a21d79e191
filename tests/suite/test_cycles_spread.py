"""Under pytest-xdist the Entra cycle test is split: each part of the tour and the generated
cycles are separate tests that workers run at once, each cleaning up after itself."""

from __future__ import annotations

import json
import os
import re

import pytest

from scim_conformance.reference import Fault, ReferenceApp, serve

pytest.importorskip("xdist")


def test_cycles_are_split_into_tour_parts_and_generated_under_xdist(
    pytester: pytest.Pytester,
) -> None:
    app = ReferenceApp("tok-spread-" + os.urandom(4).hex())
    with serve(app) as server:
        result = pytester.runpytest_subprocess(
            f"--scim-url={server.base_url}",
            f"--token={app.token}",
            "-n",
            "2",
            "--scim-cycles=1",
            "-rA",
            "-v",
            "-p",
            "no:cacheprovider",
            "-k",
            "test_entra_cycle_matches_model",
        )
    output = result.stdout.str()
    assert result.ret == pytest.ExitCode.OK, output
    passed = set(re.findall(r"PASSED \S*::(test_entra_cycle_matches_model\[\S+\])", output))
    assert passed == {
        f"test_entra_cycle_matches_model[{part}-{dialect}]"
        for dialect in ("legacy", "aadOptscim062020")
        for part in ("tour-groups", "tour-users", "generated")
    }, output
    assert re.search(r"cleanup: created (\d+), deleted \1, left 0", output), output
    # No --dist given: idle workers take waiting tests from busy ones.
    assert "scheduling tests via WorkStealingScheduling" in output
    assert app.users() == []
    assert app.groups() == []


@pytest.mark.parametrize(
    ("fault", "failing", "says"),
    [
        # Only the group part adds to a group that already has members.
        (Fault.ADD_REPLACES_MEMBERS, "tour-groups", "members-add-keeps-others"),
        # Only the user part sets a manager.
        (Fault.MANAGER_IGNORED, "tour-users", "the manager of u1: the manager differs"),
    ],
    ids=["group-part", "user-part"],
)
def test_a_fault_one_tour_part_exposes_is_one_finding_under_xdist(
    pytester: pytest.Pytester, fault: Fault, failing: str, says: str
) -> None:
    """Split over workers, the part that exposes a fault fails, the other part passes,
    and the run reports the defect once (one finding, as the serial run: variants.py)."""
    app = ReferenceApp("tok-spread-" + os.urandom(4).hex(), faults=[fault])
    with serve(app) as server:
        result = pytester.runpytest_subprocess(
            f"--scim-url={server.base_url}",
            f"--token={app.token}",
            "-n",
            "3",
            "--scim-cycles=1",
            "--scim-json=results.json",
            "-rA",
            "-p",
            "no:cacheprovider",
            "-k",
            "test_entra_cycle_matches_model and tour",
        )
    output = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output
    failed = set(re.findall(r"FAILED \S*::test_entra_cycle_matches_model\[(\S+?)-\w+\]", output))
    assert failed == {failing}, output
    assert says in output
    results = json.loads((pytester.path / "results.json").read_text())
    assert len(results["findings"]) == 1, results["findings"]
    assert app.users() == []
    assert app.groups() == []
