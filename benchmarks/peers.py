"""Compare this suite with its peers (scim2-tester, scim-sanity) against one scim2-server.

    .venv/bin/python benchmarks/peers.py [--runs 5]

Starts one fresh scim2-server on a loopback port; for each tool, one counted run goes
through a request-counting reverse proxy, then `--runs` timed runs go straight to the server
(so the proxy's hop does not inflate the wall time of the tools that send more requests).
After every run the server is listed, and what the run added is reported as left behind.

The peers live in their own virtual environment (they pin other versions of the libraries
this project uses):

    python3 -m venv /tmp/scim-peers-venv
    /tmp/scim-peers-venv/bin/pip install scim2-cli scim2-tester scim-sanity

A peer that is missing or cannot run is reported, and the others are measured anyway.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from _support import (
    CountingProxy,
    Timed,
    Traffic,
    counting_proxy,
    median_text,
    table,
    third_party,
    timed_run,
)

PEERS_VENV = Path("/tmp/scim-peers-venv/bin")
SCIM2_SERVER = third_party.ServerSpec(
    name="scim2-server",
    executable="scim2-server",
    arguments=("--hostname", "127.0.0.1", "--port", "{port}", "--bearer-token", "{token}"),
    base_path="/v2",
    install_hint="pip install scim2-server",
)
SUITE = "scim-conformance"
# scim2-tester's statuses (scim2_tester.utils.Status); the CLI fails on anything but SUCCESS.
_TESTER_LINE = re.compile(
    r"^(SUCCESS|COMPLIANT|ACCEPTABLE|DEVIATION|ERROR|CRITICAL|SKIPPED) ", re.MULTILINE
)
_TESTER_PASS = {"SUCCESS", "COMPLIANT", "ACCEPTABLE"}


@dataclass(frozen=True)
class Checks:
    """Checks as a tool reports them."""

    passed: int
    failed: int
    skipped: int

    @property
    def executed(self) -> int:
        """Checks that reached a verdict."""
        return self.passed + self.failed

    def text(self) -> str:
        """'135 (135 pass, 0 fail, 0 skip)'."""
        return f"{self.executed} ({self.passed} pass, {self.failed} fail, {self.skipped} skip)"


Command = Callable[[str, str, Path], tuple[list[str], dict[str, str]]]
CheckReader = Callable[[Timed, Path], Checks | None]


@dataclass(frozen=True)
class Tool:
    """How to run one conformance tool against a base URL and read its checks."""

    name: str
    executable: Path
    version: str
    command: Command  # (base URL, token, work dir) -> argv, environment
    read_checks: CheckReader


@dataclass
class Measurement:
    """What one tool did to the server."""

    tool: Tool
    problem: str | None = None
    traffic: Traffic | None = None
    checks: Checks | None = None
    exit_codes: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    left_behind: tuple[int, int] = (0, 0)  # users, groups: the most any run left

    def requests_per_check(self) -> float | None:
        """Requests of the counted run per check it executed."""
        if self.traffic is None or self.checks is None or not self.checks.executed:
            return None
        return self.traffic.total / self.checks.executed


# --- the three tools -------------------------------------------------------------------------


def suite_command(base_url: str, token: str, workdir: Path) -> tuple[list[str], dict[str, str]]:
    """This suite with its default options (both dialects); JUnit XML only to count checks."""
    argv = third_party.suite_command(base_url, token, workdir / "junit.xml")
    return argv, third_party.clean_environment()


def suite_checks(result: Timed, workdir: Path) -> Checks | None:
    """Tests that passed, failed and were skipped, from the JUnit XML."""
    junit = workdir / "junit.xml"
    if not junit.exists():
        return None
    outcomes, _ = third_party.read_junit(junit.read_text())
    values = list(outcomes.values())
    return Checks(values.count("passed"), values.count("failed"), values.count("skipped"))


def tester_command(executable: Path) -> Command:
    """`scim2 --url URL test`; the token travels in SCIM_CLI_HEADERS, as scim2-cli advises."""

    def command(base_url: str, token: str, workdir: Path) -> tuple[list[str], dict[str, str]]:
        env = third_party.clean_environment()
        env["SCIM_CLI_HEADERS"] = f"Authorization: Bearer {token}"
        return [str(executable), "--url", base_url, "test"], env

    return command


def tester_checks(result: Timed, workdir: Path) -> Checks | None:
    """One 'STATUS title' line per check on stdout."""
    statuses = _TESTER_LINE.findall(result.stdout)
    if not statuses:
        return None
    passed = sum(status in _TESTER_PASS for status in statuses)
    skipped = statuses.count("SKIPPED")
    return Checks(passed, len(statuses) - passed - skipped, skipped)


def sanity_command(executable: Path) -> Command:
    """`scim-sanity probe URL --token T --i-accept-side-effects --json-output` (argv only)."""

    def command(base_url: str, token: str, workdir: Path) -> tuple[list[str], dict[str, str]]:
        argv = [str(executable), "probe", base_url, "--token", token]
        return [*argv, "--i-accept-side-effects", "--json-output"], third_party.clean_environment()

    return command


def sanity_checks(result: Timed, workdir: Path) -> Checks | None:
    """The JSON summary: warnings count as passed, errors as failed."""
    try:
        summary = json.loads(result.stdout)["summary"]
    except (ValueError, KeyError, TypeError):
        return None
    passed = int(summary["passed"]) + int(summary.get("warnings", 0))
    failed = int(summary["failed"]) + int(summary.get("errors", 0))
    return Checks(passed, failed, int(summary.get("skipped", 0)))


def version_in(executable: Path, distribution: str) -> str:
    """The distribution's version in the virtual environment the executable belongs to."""
    python = executable.parent / "python"
    code = f"import importlib.metadata as m; print(m.version({distribution!r}))"
    try:
        done = subprocess.run(
            [str(python), "-c", code], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return "?"
    return done.stdout.strip()


def tools(args: argparse.Namespace) -> list[Tool]:
    """This suite first (the baseline of the ratios), then the peers."""
    here = Path(sys.executable)
    return [
        Tool(SUITE, here, version_in(here, SUITE), suite_command, suite_checks),
        Tool(
            "scim2-tester",
            args.scim2_cli,
            f"{version_in(args.scim2_cli, 'scim2-tester')} "
            f"(scim2-cli {version_in(args.scim2_cli, 'scim2-cli')})",
            tester_command(args.scim2_cli),
            tester_checks,
        ),
        Tool(
            "scim-sanity",
            args.scim_sanity,
            version_in(args.scim_sanity, "scim-sanity"),
            sanity_command(args.scim_sanity),
            sanity_checks,
        ),
    ]


# --- measuring -------------------------------------------------------------------------------


def resource_ids(base_url: str, token: str) -> tuple[set[str], set[str]]:
    """The ids of all users and all groups on the server."""

    def ids(collection: str) -> set[str]:
        return {str(r.get("id")) for r in third_party.list_resources(base_url, token, collection)}

    return ids("/Users"), ids("/Groups")


def run_once(tool: Tool, base_url: str, server: third_party.StartedServer, workdir: Path) -> Timed:
    """One run of the tool against base_url (the server, or the proxy in front of it)."""
    workdir.mkdir(parents=True, exist_ok=True)
    argv, env = tool.command(base_url, server.token, workdir)
    return timed_run(argv, env, workdir)


def left_by(
    before: tuple[set[str], set[str]], server: third_party.StartedServer
) -> tuple[int, int]:
    """Users and groups that appeared since `before`."""
    users, groups = resource_ids(server.base_url, server.token)
    return len(users - before[0]), len(groups - before[1])


def measure(
    tool: Tool,
    server: third_party.StartedServer,
    proxy: CountingProxy,
    runs: int,
    workdir: Path,
) -> Measurement:
    """One counted run through the proxy, then `runs` timed runs straight to the server."""
    found = Measurement(tool)
    if not tool.executable.is_file():
        found.problem = f"not installed: {tool.executable} does not exist"
        return found
    proxied = f"http://{third_party.LOOPBACK}:{proxy.port}{server.spec.base_path}"
    proxy.take()
    before = resource_ids(server.base_url, server.token)
    counted = run_once(tool, proxied, server, workdir / "counted")
    found.traffic = proxy.take()
    found.checks = tool.read_checks(counted, workdir / "counted")
    found.exit_codes.append(counted.returncode)
    found.left_behind = left_by(before, server)
    if found.checks is None:
        tail = (counted.stderr or counted.stdout).strip().splitlines()[-3:]
        said = " | ".join(tail) or "no output"
        found.problem = f"could not run (exit {counted.returncode}): {said}"
        return found
    for index in range(runs):
        before = resource_ids(server.base_url, server.token)
        timed = run_once(tool, server.base_url, server, workdir / f"run{index}")
        found.seconds.append(timed.seconds)
        found.exit_codes.append(timed.returncode)
        left = left_by(before, server)
        found.left_behind = max(found.left_behind, left, key=sum)
    return found


# --- report ----------------------------------------------------------------------------------


def ratio(value: float | None, baseline: float | None) -> str:
    """'2.9x', or '-' when either side is unknown."""
    if value is None or not baseline:
        return "-"
    return f"{value / baseline:.2f}x"


HEADER = [
    "tool",
    "version",
    "exit",
    "wall (median)",
    "requests",
    "by method",
    "DELETE 404",
    "checks executed",
    "req/check",
    "left (users/groups)",
]


def row(m: Measurement) -> list[str]:
    """One tool's line of the table."""
    if m.problem or m.traffic is None or m.checks is None:
        problem = m.problem or "not measured"
        return [m.tool.name, m.tool.version, "-", problem, *["-"] * (len(HEADER) - 4)]
    per_check = m.requests_per_check()
    return [
        m.tool.name,
        m.tool.version,
        ",".join(sorted({str(code) for code in m.exit_codes})),
        median_text(m.seconds),
        str(m.traffic.total),
        m.traffic.breakdown(),
        str(m.traffic.delete_404),
        m.checks.text(),
        f"{per_check:.2f}" if per_check is not None else "-",
        "{}/{}".format(*m.left_behind),
    ]


def report(results: list[Measurement], server_version: str, runs: int) -> str:
    """The comparison table and the ratios against this suite."""
    lines = [
        f"Target: scim2-server {server_version} on loopback; timed runs per tool: {runs}",
        "",
        table(HEADER, [row(m) for m in results]),
        "",
        f"Ratios against {SUITE} (peer / {SUITE}):",
    ]
    return "\n".join(lines + ratio_lines(results))


def ratio_lines(results: list[Measurement]) -> list[str]:
    """Wall time, requests and requests per executed check of each peer, over the suite's."""
    base = results[0]
    if base.problem or base.traffic is None:
        return [f"  (no baseline: {base.problem})"]
    lines = []
    for m in results[1:]:
        if m.problem or m.traffic is None:
            lines.append(f"  {m.tool.name}: not measured ({m.problem})")
            continue
        lines.append(
            f"  {m.tool.name}: wall {ratio(median(m.seconds), median(base.seconds))}, "
            f"requests {ratio(m.traffic.total, base.traffic.total)}, "
            f"requests per executed check "
            f"{ratio(m.requests_per_check(), base.requests_per_check())}"
        )
    return lines


def median(values: list[float]) -> float | None:
    """The median, or None for no values."""
    return statistics.median(values) if values else None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; the peers default to the venv in the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool (default 5)")
    parser.add_argument(
        "--scim2-cli",
        type=Path,
        default=PEERS_VENV / "scim2",
        help=f"scim2-cli's `scim2` executable (default {PEERS_VENV / 'scim2'})",
    )
    parser.add_argument(
        "--scim-sanity",
        type=Path,
        default=PEERS_VENV / "scim-sanity",
        help=f"scim-sanity's executable (default {PEERS_VENV / 'scim-sanity'})",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Measure every tool against one fresh scim2-server and print the comparison."""
    args = parse_args(argv)
    token = "bench-" + secrets.token_urlsafe(18)
    all_tools = tools(args)
    with tempfile.TemporaryDirectory(prefix="scim-peers-") as scratch:
        workdir = Path(scratch)
        try:
            with (
                third_party.running(SCIM2_SERVER, token, workdir / "server.log") as server,
                counting_proxy(server.port) as proxy,
            ):
                results = [
                    measure(tool, server, proxy, args.runs, workdir / tool.name)
                    for tool in all_tools
                ]
        except third_party.ServerUnavailable as exc:
            print(f"cannot benchmark: {exc}", file=sys.stderr)
            return 2
    server_version = version_in(Path(sys.executable), "scim2-server")
    print(report(results, server_version, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
