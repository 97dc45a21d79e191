"""The run's reporter: marks the collected tests, collects their outcomes, decides the
verdict once when the run ends, and hands it to the writers (terminal, results.json, the
baseline file, the exit code, the pytest-html summary).

Created by the plugin only when a target is given; the plugin's hooks call it.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import pytest

from scim_conformance import __version__
from scim_conformance.config import Settings
from scim_conformance.gallery import render as gallery_render
from scim_conformance.gallery.assess import Facts, GalleryView, assess
from scim_conformance.http.transcript import Exchange
from scim_conformance.ledger import Ledger
from scim_conformance.profiles import ENTERPRISE
from scim_conformance.reporting import baseline, terminal
from scim_conformance.reporting.collect import OutcomeCollector, judge_throttling
from scim_conformance.reporting.html_summary import html_summary
from scim_conformance.reporting.outcomes import RunOutcomes, sequence_of
from scim_conformance.reporting.results_json import results_document
from scim_conformance.reporting.verdict import Verdict, decide
from scim_conformance.severity import Severity


class RunReporter:
    """The outcomes of one run, its verdict, and where the verdict is written."""

    def __init__(
        self,
        config: pytest.Config,
        settings: Settings,
        exchanges_key: pytest.StashKey[list[Exchange]],
        known: baseline.Baseline | None,
        ledger: Ledger,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.settings = settings
        self.baseline = known
        self.collector = OutcomeCollector(
            settings.base_url, exchanges_key, known, settings.baseline_strict
        )
        self.verdict: Verdict | None = None  # decided when the run ends, where it is reported
        self.gallery: GalleryView | None = None  # Microsoft's 25 tests, with --scim-gallery
        self.run: dict[str, Any] = {}  # the run's facts, as results.json and HTML show them
        self._written: list[str] = []  # output files, named in the terminal summary
        self.started = datetime.now(timezone.utc)
        self._clock = time.perf_counter()

    @property
    def results(self) -> RunOutcomes:
        """Every test's outcome collected so far."""
        return self.collector.results

    # Collection ---------------------------------------------------------------------------

    def mark(self, items: list[pytest.Item]) -> None:
        """Mark every suite test `entra` and with the severity of its main check (so
        `-m "not advisory"` works); warn about baseline ids that match nothing."""
        for item in items:
            item.add_marker(pytest.mark.entra)
            item.add_marker(getattr(pytest.mark, self._severity_marker(item)))
        if self.baseline is not None and not self.config.getoption("keyword"):
            for stale in self.baseline.unknown(item.nodeid for item in items):
                self.config.issue_config_time_warning(
                    pytest.PytestConfigWarning(f"--scim-baseline lists an unknown test: {stale}"),
                    stacklevel=2,
                )

    def _severity_marker(self, item: pytest.Item) -> str:
        """A test's own `severity` mark wins; else its sequence decides (discovery is
        advisory unless --scim-gallery; listing checks are mostly rfc, Webex checks
        webex-clients)."""
        declared = item.get_closest_marker("severity")
        if declared is not None:
            return str(declared.args[0])
        sequence = sequence_of({mark.name for mark in item.iter_markers()})
        if sequence == "Discovery":
            severity = Severity.RFC if self.settings.gallery else Severity.ADVISORY
        elif sequence == "Webex":
            severity = Severity.WEBEX_CLIENTS
        else:
            severity = Severity.RFC if sequence == "Listing" else Severity.ENTRA_BREAKING
        return severity.marker

    # End of run -----------------------------------------------------------------------------

    def interrupted(self) -> None:
        """Ctrl-C or SIGTERM: a partial run gives no verdict."""
        self.results.interrupted = True

    def _whole_suite(self) -> bool:
        """No -k or -m: a baseline finding this run did not meet is stale, not deselected."""
        return not self.config.getoption("keyword") and not self.config.getoption("markexpr")

    def finish(self, session: pytest.Session) -> None:
        """Decide the verdict (once: not on pytest-xdist workers), set the exit code from
        it, and write results.json and a baseline, if asked."""
        if hasattr(self.config, "workerinput"):
            return
        self.run = self.run_metadata(time.perf_counter() - self._clock)
        judge_throttling(self.results, self.settings.base_url)
        self.verdict = verdict = decide(
            self.results,
            self.settings.fail_on,
            strict=self.settings.strict,
            baseline=self.baseline,
            whole_suite=self._whole_suite(),
            baseline_strict=self.settings.baseline_strict,
            status=session.exitstatus,
        )
        if not self.results.tests:
            return  # nothing ran: pytest's own exit status, no files
        session.exitstatus = verdict.exit_code
        if self.settings.gallery:
            self.gallery = assess(self.results, self._gallery_facts())
        json_path = self.settings.json_path
        if json_path:
            document = results_document(verdict, self.results, self.run)
            if self.gallery is not None:
                document["gallery_validation"] = self.gallery.to_dict()
            json_path.write_text(json.dumps(document, indent=2) + "\n")
            self._written.append(f"{json_path} (results, schema_version 2)")
        write_to = self.settings.write_baseline_path
        if write_to:
            write_to.write_text(baseline.render(verdict.findings), encoding="utf-8")
            self._written.append(f"{write_to} (baseline of {len(verdict.findings)} finding(s))")

    def summary(self, terminalreporter: Any) -> None:
        """The verdict, its findings and the files written on the terminal."""
        if self.verdict is None or not self.results.tests:
            return
        kept = None
        if self.ledger.keep:
            kept = [f"{kind}/{rid}" for rid, kind in self.ledger.remaining().items()]
        written = list(self._written)
        quiet = self.config.get_verbosity() < 0
        xml = self.config.getoption("xmlpath", None)
        if quiet and xml:
            # pytest's own "generated xml file" line is hidden under -q.
            written.append(f"{xml} (JUnit XML)")
        terminal.write(
            terminalreporter,
            self.verdict,
            self.results,
            retries=self.ledger.client.retries,
            kept=kept,
            written=written,
            # -q hides the header, yet which rules the endpoint is held to matters.
            header=[self.settings.endpoint.line()] if quiet else [],
            notice=self.baseline.notice if self.baseline is not None else "",
        )
        if self.gallery is not None:
            gallery_render.write_terminal(terminalreporter, self.gallery)

    def html(self) -> str:
        """The verdict on top of the HTML report (pytest-html writes it after `finish`)."""
        if self.verdict is None:
            return ""
        summary = html_summary(self.verdict, self.results, self.run, self._environment())
        return summary + (gallery_render.html(self.gallery) if self.gallery is not None else "")

    def _gallery_facts(self) -> Facts:
        """What the gallery view needs besides the outcomes."""
        return Facts(
            manager_mapped=self.settings.profile.maps(f"{ENTERPRISE}:manager"),
            token_endpoint=self.settings.token_endpoint is not None,
        )

    def _environment(self) -> dict[str, Any]:
        """pytest-metadata's rows (redacted as pytest-html's `environment_table_redact_list`
        says, in place, at session start), shown after the verdict and findings."""
        try:
            from pytest_metadata.plugin import metadata_key  # type: ignore[import-untyped]
        except ImportError:  # pragma: no cover - pytest-html without pytest-metadata 3
            return {}
        return dict(self.config.stash.get(metadata_key, {}))

    def run_metadata(self, duration: float) -> dict[str, Any]:
        """Target, dialects, version, time: what the report header and results.json show."""
        return {
            "target": self.settings.base_url,
            "dialects": list(self.settings.dialects),
            "profile": self.settings.profile.name,
            # The rules the endpoint is held to, apart from the mapping (--scim-endpoint).
            "endpoint": {
                "rules": self.settings.endpoint.name,
                "reason": self.settings.endpoint.reason,
                "option": self.settings.endpoint.option,
            },
            "gallery": self.settings.gallery,
            "strict": self.settings.strict,
            "run_prefix": self.settings.run_prefix,
            "retries": self.ledger.client.retries,
            # Exchanges recorded per sequence (retries included): what each one costs.
            "requests_by_sequence": dict(
                Counter(t.sequence for t in self.results.tests.values() for _ in t.exchanges)
            ),
            "tls_verified": self.settings.tls_verify is not False,
            "suite_version": __version__,
            "started": self.started.isoformat(timespec="seconds"),
            "duration_s": round(duration, 2),
        }
