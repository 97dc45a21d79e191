"""Under pytest-xdist the Entra cycle test is split: the tour and the generated cycles are
separate tests that workers run at once, each cleaning up after itself."""

from __future__ import annotations

import os
import re

import pytest

from scim_conformance.reference import ReferenceApp, serve

pytest.importorskip("xdist")


def test_cycles_are_split_into_tour_and_generated_under_xdist(pytester: pytest.Pytester) -> None:
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
        for part in ("tour", "generated")
    }, output
    assert re.search(r"cleanup: created (\d+), deleted \1, left 0", output), output
    # No --dist given: idle workers take waiting tests from busy ones.
    assert "scheduling tests via WorkStealingScheduling" in output
    assert app.users() == []
    assert app.groups() == []
