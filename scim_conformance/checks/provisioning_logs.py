"""What a vendor's customers would read in Entra's provisioning logs when a rule breaks.

Microsoft documents the error codes of the provisioning logs, with what each means, in
"How to download and analyze the Microsoft Entra provisioning logs", section "Error codes"
(`MS_PROVISIONING_LOGS` below). Each rule of the catalogue (`rules.py`) has one entry here,
keyed by its id: the documented code Entra records when the rule is broken, or, where no
documented code fits, what Entra would log instead, said as such ("no documented code").
Many rules break silently: Entra got a 2xx and logs Success, which the entry says too.
The meanings are this project's summaries of Microsoft's table, not quotes.
"""

from __future__ import annotations

from dataclasses import dataclass

from scim_conformance.checks.sources import MS_PROVISIONING_LOGS

SOURCE = MS_PROVISIONING_LOGS
PREFIX = "your customers' provisioning logs would show"


@dataclass(frozen=True)
class LogEntry:
    """What Entra's provisioning log records for one broken rule."""

    code: str | None  # a code of Microsoft's table (several joined by " or "); None: none fits
    meaning: str  # what the code means, or what Entra logs when no documented code fits

    @property
    def documented(self) -> bool:
        """True when the entry names a code of Microsoft's documented table."""
        return self.code is not None

    def text(self) -> str:
        """`code: meaning`, or the meaning alone when no documented code fits."""
        return f"{self.code}: {self.meaning}" if self.code else self.meaning

    def line(self) -> str:
        """The one line a finding shows."""
        return f"{PREFIX}: {self.text()}"

    def to_dict(self) -> dict[str, str | None]:
        """For results.json and the HTML report."""
        return {"code": self.code, "meaning": self.meaning, "source": SOURCE.url}


INCOMPATIBLE = "SystemForCrossDomainIdentityManagementServiceIncompatible"
MULTIPLE = "SystemForCrossDomainIdentityManagementMultipleEntriesInResponse"
UNPARSABLE = LogEntry(INCOMPATIBLE, "Entra could not parse the app's response")
TIMEOUT = LogEntry("Timeout", "the app took too long to answer; Entra retries in about 40 minutes")
CONFLICT = LogEntry(
    "EntryConflict",
    "the app refused Entra's create as a conflict with an account it already holds",
)
DUPLICATES = LogEntry(
    "DuplicateTargetEntries",
    "more than one account in the app matched the matching attribute; Entra did nothing",
)
ANCHOR_GONE = LogEntry(
    "InvalidAnchor", "an account Entra created or matched no longer exists in the app"
)


def refused(action: str) -> LogEntry:
    """A write the app refuses: Microsoft documents codes per HTTP status, none for the
    refusal as such (and none for a 400)."""
    return LogEntry(
        None,
        f"no documented code of its own; Entra would log the {action} as failed under the "
        "code of the app's status (EntryConflict for 409, UnprocessableEntity for 422, "
        "InternalServerError for 5xx) and retry it",
    )


def silent(what: str) -> LogEntry:
    """A rule whose breach Entra never sees: the app answered 2xx."""
    return LogEntry(None, f"no error: Entra logs Success, {what}")


def unseen(why: str) -> LogEntry:
    """A rule Entra's provisioning never exercises, or never notices."""
    return LogEntry(None, f"nothing: {why}")


NOT_SENT = unseen("Entra never sends such a request")
DISCOVERY = unseen("Entra's provisioning does not read discovery (gallery onboarding does)")
NOT_READ = unseen("Entra's provisioning does not read this")
WEBEX = unseen("Entra's apps do not send this; Webex's own clients meet it")

LOGS: dict[str, LogEntry] = {
    "json-body": UNPARSABLE,
    "legacy-dialect": refused("update"),
    "http-response": TIMEOUT,
    "content-type-scim-json": unseen("Entra reads application/json too"),
    "content-type-json": unseen("no public source shows Entra rejecting the media type"),
    "error-body": LogEntry(
        None, "no documented code; the code of the HTTP status, without the app's reason"
    ),
    "resource-id": LogEntry(
        None, "no documented code; Entra would fail the object: without an id it has no anchor"
    ),
    "user-schema": NOT_READ,
    "group-schema": NOT_READ,
    "query-list-response": LogEntry(
        INCOMPATIBLE, "Entra could not parse the answer to its matching query"
    ),
    "list-response-shape": unseen("Entra reads Resources and totalResults only"),
    "filter-exact-match": LogEntry(
        "DuplicateTargetEntries or EntryConflict",
        "several accounts matched (Entra did nothing), or none did and Entra's create "
        "conflicted with the account it should have found",
    ),
    "get-by-id": LogEntry(
        None,
        "no documented code; Entra would log the code of the app's status (InvalidAnchor "
        "for a 404: the account it provisioned seems gone)",
    ),
    "patch-status": refused("update"),
    "patch-applied": silent("and the change is lost in the app"),
    "patch-response-body": NOT_READ,
    "create-accepted": refused("create"),
    "auth-401": unseen("Entra always sends the token; callers without it are let in"),
    "auth-403-not-401": LogEntry(
        "Unauthorized or InsufficientRights", "the app refused Entra's credentials"
    ),
    "auth-error-without-data": unseen("Entra always sends the token"),
    "create-201": unseen("no public source shows Entra rejecting a 200 with the new id"),
    "create-response-body": NOT_READ,
    "create-stored": silent("and sends the same update again every cycle"),
    "create-duplicate-409": DUPLICATES,
    "conflict-scim-type": LogEntry(
        "EntryConflict", "from the 409 alone; the scimType adds nothing to Entra's log"
    ),
    "unknown-id-404": LogEntry(
        None,
        "no documented code; the code of the app's status where a 404 would give "
        "InvalidAnchor (the account is gone)",
    ),
    "patch-add-creates-element": refused("update"),
    "roles-as-entra-sends": refused("update"),
    "manager-set": refused("update"),
    "manager-set-list": refused("update"),
    "manager-read-object": LogEntry(
        INCOMPATIBLE, "Entra could not read a user whose manager came back as a string"
    ),
    "manager-remove": refused("update"),
    "soft-delete-readable": CONFLICT,
    "delete-accepted": refused("delete"),
    "delete-204": unseen("no public source shows Entra rejecting a 200 or 202"),
    "delete-applied": silent("and the account stays usable in the app"),
    "groups-endpoint": LogEntry(
        INCOMPATIBLE, "as vendors report it, when group provisioning meets no /Groups"
    ),
    "group-create-adscim-schema": refused("group create"),
    "group-excluded-members": LogEntry(
        MULTIPLE,
        "a group read with members excluded came back with its members",
    ),
    "remove-members-with-value": silent("and the group loses members (or keeps the user)"),
    "group-rename-keeps-members": silent("and the group's members are lost"),
    "deleted-user-leaves-groups": NOT_READ,
    "members-add-keeps-others": silent("and the members the group had are lost"),
    "group-delete-keeps-users": ANCHOR_GONE,
    "membership-verifiable": NOT_READ,
    "discovery-served": DISCOVERY,
    "discovery-shape": DISCOVERY,
    "discovery-truthful": DISCOVERY,
    "discovery-users-groups": DISCOVERY,
    "discovery-enterprise": DISCOVERY,
    "pagination": unseen("provisioning matches by filter; Account Discovery pages"),
    "pages-disjoint": unseen("provisioning matches by filter; Account Discovery pages"),
    "count-zero": NOT_SENT,
    "attribute-projection": unseen("Entra asks only for attributes=id, where extras do no harm"),
    "gallery-request-rate": LogEntry(
        "TooManyRequests or InternalServerError",
        "the app was overloaded or failed; Entra retries later",
    ),
    "value-normalised": silent("and the app shows the value slightly changed"),
    "unsent-value-stored": NOT_SENT,
    "unsent-value-refused": NOT_SENT,
    "unsent-value-error": NOT_SENT,
    "filter-escaped-value": NOT_SENT,
    "webex-username-email": WEBEX,
    "webex-cisco-extension": WEBEX,
    "webex-schemas-listed": WEBEX,
    "webex-unknown-schema-ignored": WEBEX,
    "webex-read-only-ignored": WEBEX,
    "webex-user-type-default": WEBEX,
    "webex-size-limits": WEBEX,
    "webex-filter-operators": WEBEX,
    "webex-filter-operator-case": WEBEX,
    "webex-paging": WEBEX,
    "webex-patch-no-target": WEBEX,
    "webex-error-tracking-id": unseen("Entra logs the HTTP status, not Cisco's trackingId"),
    "webex-inactive-listed": WEBEX,
    "webex-include-members": WEBEX,
    "webex-retry-after": LogEntry(
        "TooManyRequests", "the app throttled Entra; it retries the request later"
    ),
    # Rules of Entra's request variants (issue 19).
    "active-string-any-case": silent("and the user Entra disabled stays active in the app"),
    "create-active-string": refused("create"),
    "content-type-charset": LogEntry(
        None,
        "no documented code for a 415; Entra would log every create and update as failed "
        "and retry them",
    ),
    "test-connection-headers": unseen(
        "Test Connection fails in the admin's portal, before any provisioning is logged"
    ),
    "no-throttling-429": LogEntry(
        "TooManyRequests", "the app throttled Entra; it retries the request later"
    ),
    "patch-clear-attribute": unseen("Entra does not send nulls (gallery validation does)"),
    # A member added again is stored twice: Entra's later remove answers 2xx, yet the user
    # stays in the group.
    "members-add-existing": silent("and a later removal leaves the user in the group"),
    # The 409 of a name a deleted user (group) still holds: Entra's create of the user it
    # assigns again.
    "recreate-after-delete": CONFLICT,
    "schema-attributes-discoverable": DISCOVERY,
    "oauth-token-lifetime": unseen(
        "Entra fetches a new token before each cycle; Microsoft's gallery review checks the "
        "lifetime"
    ),
}
UNKNOWN = LogEntry(None, "no documented code for this rule")


def entry(rule_id: str) -> LogEntry:
    """The rule's entry (a rule the table lacks says so rather than guess)."""
    return LOGS.get(rule_id, UNKNOWN)


# Status codes as Microsoft's table names them: what the per-user view shows for a failed
# request (the table documents codes for these statuses only).
STATUS_CODES = {
    401: "Unauthorized",
    403: "InsufficientRights",
    405: "MethodNotAllowed",
    409: "EntryConflict",
    422: "UnprocessableEntity",
    429: "TooManyRequests",
    501: "NotImplemented",
}


def code_for_status(status: int | None, error: str = "") -> str:
    """The documented code for a failed answer; 'no documented code' where none fits."""
    if status is None:  # no answer: too slow, or the connection failed
        return "Timeout" if "timed out" in error.lower() else "WebExceptionProtocolError"
    if status in STATUS_CODES:
        return STATUS_CODES[status]
    if status >= 500:
        return "InternalServerError"
    return f"no documented code (HTTP {status})"
