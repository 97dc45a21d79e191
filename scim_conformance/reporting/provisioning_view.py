"""The run as Entra's provisioning logs would show it: one entry per simulated user and group.

Built from the transcripts of the run's tests: each write the suite sent as Entra becomes a
provisioning action in Entra's own terms (Create, Update, Disable, Delete; a failed
lookup is Other), with Entra's status (Success, Failure, Skipped) and, for a failure, the
error code Microsoft documents for the answer (`checks/provisioning_logs.py`). A finding
met on a write that Entra would log as a Success (a change the app lost) is shown beside it:
the log says Success, the finding says what really happened. Objects with a failure come
first. Every value is HTML-escaped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import unquote

from scim_conformance.checks import provisioning_logs
from scim_conformance.reporting.outcomes import RunOutcomes

COLLECTIONS = {"Users": "User", "Groups": "Group"}
_RESOURCE = re.compile(r"/(Users|Groups)(?:/([^/?]+))?(?:\?(.*))?$")
_FILTER_VALUE = re.compile(r'(?:userName|displayName|externalId) eq "(.*)"', re.IGNORECASE)
_EVIDENCE = re.compile(r"^  (?:write|request|read):\s+(\w+) (\S+)", re.MULTILINE)
SHOWN = 60  # objects listed in full; the rest are counted (a run creates hundreds)
COLOURS = {"Success": "#2e7d32", "Failure": "#c62828", "Skipped": "#ef6c00"}


@dataclass
class Step:
    """One provisioning action on one object, as Entra would log it."""

    action: str  # Create, Update, Disable, Delete, Other
    status: str  # Success, Failure, Skipped
    code: str  # Microsoft's documented error code, "" on success
    request: str  # METHOD path, for the reader
    test: str
    finding: str = ""  # "rule: what the provisioning log would show", when a finding met it
    predicted: str = ""  # the documented code the finding's rule leads to, if it has one


@dataclass
class EntraObject:
    """One simulated Entra user or group and its provisioning actions."""

    kind: str  # User or Group
    name: str
    steps: list[Step] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when Entra would log a failure, or a finding met one of its Successes."""
        return any(step.status != "Success" or step.finding for step in self.steps)


def _json(body: str | None) -> Any:
    try:
        return json.loads(body or "")
    except ValueError:
        return None


def _disables(body: Any) -> bool:
    """True for a PATCH that sets active to false (Entra's soft delete), in either dialect."""
    operations = body.get("Operations", []) if isinstance(body, dict) else []
    for op in operations if isinstance(operations, list) else []:
        if not isinstance(op, dict):
            continue
        value = op.get("value")
        if str(op.get("path", "")).lower() == "active":
            return str(value).lower() == "false"
        if isinstance(value, dict) and "active" in value:
            return str(value["active"]).lower() == "false"
    return False


def _action(method: str, body: Any) -> str:
    if method == "POST":
        return "Create"
    if method == "DELETE":
        return "Delete"
    if method in ("PATCH", "PUT"):
        return "Disable" if _disables(body) else "Update"
    return "Other"


def _status(exchange: dict[str, Any], action: str) -> tuple[str, str]:
    status = exchange.get("status")
    if status is not None and 200 <= status < 300:
        if action == "Other":
            found = _json(exchange.get("response_body"))
            if isinstance(found, dict) and (found.get("totalResults") or 0) > 1:
                return "Skipped", "DuplicateTargetEntries"  # several matches: Entra does nothing
        return "Success", ""
    return "Failure", provisioning_logs.code_for_status(status, exchange.get("error") or "")


class ProvisioningView:
    """The run's simulated Entra objects, gathered from every test's transcript."""

    def __init__(self) -> None:
        self.objects: dict[str, EntraObject] = {}  # by "kind:name"
        self._ids: dict[str, str] = {}  # resource id -> key of its object

    def _object(self, kind: str, name: str) -> EntraObject:
        key = f"{kind}:{name.casefold()}"
        return self.objects.setdefault(key, EntraObject(kind, name))

    def add_test(
        self, test: str, exchanges: Iterable[dict[str, Any]], finding: Any, *, failed: bool
    ) -> None:
        """Fold one test's exchanges in; `finding` is the FindingRecord dict that failed it.

        A refusal in a test that passed was what the suite asked for (a wrong token, a
        duplicate, a read after a delete): Entra sends no such request, so it is left out.
        """
        evidence = _evidence(finding) if failed else None
        for exchange in exchanges:
            match = _RESOURCE.search(exchange["url"].split("#")[0])
            if match is None:
                continue
            kind, resource_id, query = COLLECTIONS[match[1]], match[2], match[3] or ""
            body = _json(exchange.get("request_body"))
            obj = self._locate(kind, resource_id, query, body, exchange)
            if obj is None:
                continue
            action = _action(exchange["method"], body)
            status, code = _status(exchange, action)
            met = evidence == (exchange["method"], exchange["url"])
            if action == "Other" and status == "Success" and not met:
                continue  # a successful lookup is a step of an action, not an action
            if status != "Success" and not failed:
                continue
            path = match[0].split("?")[0]
            step = Step(action, status, code, f"{exchange['method']} {path}", test)
            if met:
                step.finding = evidence_note(finding)
                step.predicted = (finding.get("provisioning_log") or {}).get("code") or ""
            obj.steps.append(step)

    def _locate(
        self,
        kind: str,
        resource_id: str | None,
        query: str,
        body: Any,
        exchange: dict[str, Any],
    ) -> EntraObject | None:
        """The object an exchange is about: by the id a create answered, by the name a
        create or a matching query carries; None for what no object can be tied to."""
        if resource_id is not None:
            key = self._ids.get(resource_id)
            return self.objects[key] if key else None
        if exchange["method"] == "POST" and isinstance(body, dict):
            name = body.get("userName") or body.get("displayName")
            if not isinstance(name, str):
                return None
            obj = self._object(kind, name)
            created = _json(exchange.get("response_body"))
            if isinstance(created, dict) and isinstance(created.get("id"), str):
                self._ids[created["id"]] = f"{kind}:{name.casefold()}"
            return obj
        value = _FILTER_VALUE.search(unquote(query.replace("+", " ")))
        if value is None:
            return None
        key = f"{kind}:{value[1].casefold()}"
        return self.objects.get(key)  # a query for a name the run created

    def ordered(self) -> list[EntraObject]:
        """Objects with a failure (or a finding) first, then users before groups."""
        shown = [obj for obj in self.objects.values() if obj.steps]
        return sorted(shown, key=lambda obj: (not obj.failed, obj.kind != "User"))


def _evidence(finding: Any) -> tuple[str, str] | None:
    """The (method, url) a finding's message names as its evidence (the write if any)."""
    if not isinstance(finding, dict):
        return None
    match = _EVIDENCE.search(finding.get("message") or "")
    return (match[1], match[2]) if match else None


def evidence_note(finding: dict[str, Any]) -> str:
    """`rule: what the provisioning log would show` for a finding met on a step."""
    log = finding.get("provisioning_log") or {}
    text = f"{log['code']}: {log['meaning']}" if log.get("code") else log.get("meaning", "")
    return f"{finding.get('rule', '')}: {text}"


def build(results: RunOutcomes) -> ProvisioningView:
    """The view of a whole run, from its tests' transcripts (in the order they ran)."""
    view = ProvisioningView()
    for test in results.tests.values():
        failed = test.outcome in ("failed", "blocked", "baseline")
        view.add_test(test.nodeid, test.exchanges, test.finding, failed=failed)
    return view


def _steps_html(obj: EntraObject) -> str:
    rows = "".join(
        f"<tr><td>{escape(step.action)}</td>"
        f"<td style='color:{COLOURS[step.status]};font-weight:bold'>{escape(step.status)}</td>"
        f"<td><code>{escape(step.code)}</code></td><td><code>{escape(step.request)}</code></td>"
        f"<td>{escape(step.finding)}</td><td>{escape(step.test)}</td></tr>"
        for step in obj.steps
    )
    return (
        "<table class='scim-table'><tr><th>action</th><th>status</th><th>error code</th>"
        f"<th>request</th><th>finding</th><th>test</th></tr>{rows}</table>"
    )


def html(results: RunOutcomes) -> str:
    """The section of the HTML summary: one entry per simulated Entra user and group."""
    objects = build(results).ordered()
    if not objects:
        return ""
    entries = []
    for obj in objects[:SHOWN]:
        worst = next((s for s in obj.steps if s.status != "Success"), None)
        noted = next((s for s in obj.steps if s.finding), None)
        status, code, note = "Success", "", ""
        if worst is not None:
            status, code = worst.status, worst.code
        elif noted is not None and noted.predicted:
            # Every request of this run succeeded, yet the finding leads to a failure in
            # Entra's next cycle (a user its matching query no longer finds).
            status, code, note = "Failure", noted.predicted, " in a later cycle (finding)"
        elif noted is not None:
            note = f" · finding: {noted.finding}"
        actions = ", ".join(dict.fromkeys(step.action for step in obj.steps))
        entries.append(
            f"<details{' open' if obj.failed else ''}><summary>{escape(obj.kind)} "
            f"<b>{escape(obj.name)}</b> · {escape(actions)} · "
            f"<span style='color:{COLOURS[status]};font-weight:bold'>{status}</span>"
            + (f" <code>{escape(code)}</code>" if code else "")
            + f"{escape(note)}</summary>{_steps_html(obj)}</details>"
        )
    rest = len(objects) - SHOWN
    more = f"<p>… and {rest} more objects.</p>" if rest > 0 else ""
    return (
        "<h3 id='provisioning-logs'>In your customers' provisioning logs</h3><p>Each user "
        "and group the run provisioned as Entra, with the actions Entra would log, their "
        "status and the error code Microsoft documents for the answer "
        f"(<a href='{escape(provisioning_logs.SOURCE.url)}'>error codes</a>). Objects "
        "with a failure or a finding come first.</p>" + "".join(entries) + more
    )
