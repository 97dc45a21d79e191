"""Public sources the rule catalogue cites: each one a page a reader can open.

A rule's severity is only as strong as these: Microsoft's own documentation and code,
the RFCs, and public issue threads that show what Entra really sent or did.
"""

from __future__ import annotations

from dataclasses import dataclass

LEARN = "https://learn.microsoft.com/entra/identity"


@dataclass(frozen=True)
class Source:
    """A public document: a short label for messages and the URL a reader opens."""

    label: str
    url: str

    def at(self, section: str) -> Source:
        """The same document, naming a section or requirement inside it."""
        return Source(f"{self.label}, {section}", self.url)


def rfc7643(section: str) -> Source:
    """RFC 7643 (SCIM core schema), one section."""
    return Source(
        f"RFC 7643 §{section}", f"https://www.rfc-editor.org/rfc/rfc7643#section-{section}"
    )


def rfc7644(section: str) -> Source:
    """RFC 7644 (SCIM protocol), one section."""
    return Source(
        f"RFC 7644 §{section}", f"https://www.rfc-editor.org/rfc/rfc7644#section-{section}"
    )


def github(repo: str, kind: str, number: int, label: str) -> Source:
    """A public GitHub issue or pull request (kind: "issues" or "pull")."""
    return Source(label, f"https://github.com/{repo}/{kind}/{number}")


# Microsoft Learn: the SCIM tutorial. Its requirement list is the contract Entra's
# provisioning service holds endpoints to; its request examples are Entra's own.
MS_SCIM_TUTORIAL = Source(
    "Microsoft Learn: Develop and plan provisioning for a SCIM endpoint",
    f"{LEARN}/app-provisioning/use-scim-to-provision-users-and-groups",
)
TUTORIAL_REQUIREMENTS = MS_SCIM_TUTORIAL.at("'Understand the Microsoft Entra SCIM implementation'")
TUTORIAL_USERS = MS_SCIM_TUTORIAL.at("'User Operations'")
TUTORIAL_GROUPS = MS_SCIM_TUTORIAL.at("'Group Operations'")
MS_SCIM_COMPATIBILITY = Source(
    "Microsoft Learn: Known issues and resolutions with SCIM 2.0 protocol compliance",
    f"{LEARN}/app-provisioning/application-provisioning-config-problem-scim-compatibility",
)
MS_VALIDATOR = Source(
    "Microsoft Learn: Tutorial: Validate a SCIM endpoint",
    f"{LEARN}/app-provisioning/scim-validator-tutorial",
)
MS_WEBEX_TUTORIAL = Source(
    "Microsoft Learn: Configure Cisco Webex for automatic user provisioning",
    f"{LEARN}/saas-apps/cisco-webex-provisioning-tutorial",
)
MS_HOW_PROVISIONING_WORKS = Source(
    "Microsoft Learn: How application provisioning works",
    f"{LEARN}/app-provisioning/how-provisioning-works",
)
MS_ATTRIBUTE_MAPPINGS = Source(
    "Microsoft Learn: Customize user provisioning attribute mappings",
    f"{LEARN}/app-provisioning/customize-application-attributes",
)
MS_KNOWN_ISSUES = Source(
    "Microsoft Learn: Known issues for provisioning",
    f"{LEARN}/app-provisioning/known-issues",
)
MS_QUARANTINE = Source(
    "Microsoft Learn: Application provisioning in quarantine status",
    f"{LEARN}/app-provisioning/application-provisioning-quarantine-status",
)
MS_PROVISIONING_LOGS = Source(
    "Microsoft Learn: Provisioning logs, error codes",
    f"{LEARN}/monitoring-health/howto-analyze-provisioning-logs",
)
MS_ACCOUNT_DISCOVERY = Source(
    "Microsoft Learn: Account discovery",
    f"{LEARN}/app-provisioning/how-to-account-discovery",
)
MS_GALLERY_CHECKLIST = Source(
    "Microsoft SCIMReferenceCode: Entra app gallery validation checklist",
    "https://github.com/AzureAD/SCIMReferenceCode/blob/HEAD/"
    "Entra-AppGallery-AI-Validation-Checklist.md",
)
MS_GALLERY_TESTS = Source(
    "Microsoft SCIMReferenceCode: SCIM validation test overview",
    "https://github.com/AzureAD/SCIMReferenceCode/blob/HEAD/Microsoft.SCIM."
    "LogicAppValidationTemplate/StandardLogicApp/SCIM-Validation-Test-Overview.md",
)
MS_REFERENCE_CODE = Source(
    "Microsoft SCIMReferenceCode (reference implementation and Postman tests)",
    "https://github.com/AzureAD/SCIMReferenceCode",
)
MS_QA_TIMEOUT = Source(
    "Microsoft Q&A 1151866: the provisioning service waits 60 s per request",
    "https://learn.microsoft.com/answers/questions/1151866",
)
MS_QA_THROTTLING = Source(
    "Microsoft Q&A 2284725: 429 and Retry-After",
    "https://learn.microsoft.com/answers/questions/2284725",
)

# What Entra was seen sending or failing on, in public issue threads.
ENTRA_REMOVE_MEMBER_QUIRK = github(
    "MicrosoftDocs/azure-docs", "issues", 30826, "azure-docs #30826: Entra's legacy member removal"
)
ENTRA_REMOVE_ALL_MEMBERS = github(
    "MicrosoftDocs/entra-docs", "issues", 949, "entra-docs #949: removing one member removed all"
)
ENTRA_MANAGER_REMOVE = github(
    "thomaspoignant/scim-patch", "issues", 453, "scim-patch #453: Entra's manager removal"
)
ENTRA_REMOVE_WITH_VALUE = github(
    "thomaspoignant/scim-patch", "issues", 959, "scim-patch #959: Remove members with value"
)
ENTRA_MEMBERS_REPLACE = github(
    "PostHog/posthog", "pull", 47336, "PostHog #47336: Entra's Replace of members"
)
ENTRA_GROUP_RENAME = github(
    "langwatch/langwatch", "issues", 7131, "langwatch #7131: Entra's path-less group rename"
)
ENTRA_LOGGED_REQUESTS = github(
    "MicrosoftDocs/azure-docs", "issues", 11784, "azure-docs #11784: logged Entra requests"
)
ENTRA_MANAGER_STRING_SENT = github(
    "Captain-P-Goldfish/SCIM-SDK",
    "issues",
    686,
    "SCIM-SDK #686: Entra sends the manager as a bare string",
)
ENTRA_MANAGER_STRING_SCIMPLE = github(
    "apache/directory-scimple",
    "issues",
    1242,
    "directory-scimple #1242: Entra ID string manager quirk",
)
ENTRA_MANAGER_STRING_READ = github(
    "Budibase/budibase",
    "issues",
    15369,
    "Budibase #15369: a manager read back as a string fails Entra",
)

# Webex's own documentation (for the Webex rules).
WEBEX_SCIM_OVERVIEW = Source(
    "Webex for Developers: SCIM 2 overview", "https://developer.webex.com/docs/scim-2-overview"
)
WEBEX_SCIM_USERS = Source(
    "Webex for Developers: SCIM 2 Users",
    "https://developer.webex.com/docs/api/v1/scim-2-users",
)
WEBEX_CREATE_USER = Source(
    "Webex for Developers: SCIM 2 Users, Create a user",
    "https://developer.webex.com/docs/api/v1/scim2-user/create-a-user",
)
WEBEX_RATE_LIMITING = Source(
    "Webex for Developers: Rate limiting", "https://developer.webex.com/docs/rate-limiting"
)
WEBEX_ENTRA_SYNC = Source(
    "Webex Help Center: Synchronize Entra ID users into Control Hub",
    "https://help.webex.com/en-us/article/6ta3gz",
)
WEBEX_ENTRA_DEPROVISION = Source(
    "Webex Help Center: Synchronize Azure Active Directory users into Control Hub "
    "(what Entra's unassign, sign-in block, soft and hard delete do to a Webex user)",
    "https://help.webex.com/en-us/article/d3p9vfb",
)

# Groups, discovery, listing and load (suite/test_groups.py, test_discovery.py,
# test_listing.py, test_load.py).
ENTRA_EXCLUDED_MEMBERS_REPLACE = github(
    "Infisical/infisical",
    "pull",
    6525,
    "Infisical #6525: with members returned, Entra replaces them with a partial list",
)
MS_QA_MEMBERS_NOT_REREAD = Source(
    "Microsoft Q&A 2278290: Entra excludes members and never re-reads them",
    "https://learn.microsoft.com/answers/questions/2278290",
)

# Properties and Webex checks (suite/test_properties.py, suite/test_webex.py).
MS_GRAPH_USER = Source(
    "Microsoft Graph: user resource type (the longest value of each property)",
    "https://learn.microsoft.com/graph/api/resources/user",
)
MS_UPN_CHARACTERS = Source(
    "Microsoft Learn: user name policies (the characters a userPrincipalName may hold)",
    f"{LEARN}/authentication/concept-sspr-policy#username-policies",
)
WEBEX_SEARCH_USERS = Source(
    "Webex for Developers: SCIM 2 Users, Search users (filters per attribute, paging)",
    "https://developer.webex.com/docs/api/v1/scim2-user/search-users",
)
WEBEX_PATCH_USER = Source(
    "Webex for Developers: SCIM 2 Users, Update a user with PATCH",
    "https://developer.webex.com/docs/api/v1/scim2-user/update-a-user-with-patch",
)
WEBEX_USER_SCHEMA = Source(
    "Webex for Developers: SCIM 2 Schemas, Get User Schema (sizes and lengths)",
    "https://developer.webex.com/docs/api/v1/scim2-schemas/get-user-schema",
)
WEBEX_SEARCH_GROUPS = Source(
    "Webex for Developers: SCIM 2 Groups, Search groups (includeMembers)",
    "https://developer.webex.com/docs/api/v1/scim2-group/search-groups",
)
WEBEX_API_BASICS = Source(
    "Webex for Developers: REST API basics (error responses and their trackingId)",
    "https://developer.webex.com/docs/basics",
)

# Request variants Entra is seen sending (scim_conformance/variants.py, docs/entra-requests.md).
ENTRA_ACTIVE_LOWER_STRING = github(
    "scimmyjs/scimmy", "issues", 86, 'scimmy #86: an unassign from Entra sent active "false"'
)
ENTRA_ACTIVE_CAPITALISED_STRING = github(
    "scimmyjs/scimmy", "issues", 51, 'scimmy #51: Entra sent active "False"'
)
ENTRA_STRING_BOOLEANS_ANY_CASE = github(
    "apache/syncope", "pull", 581, "Syncope #581: Entra's string booleans, in either case"
)
ENTRA_STRING_BOOLEANS_SCIM_PATCH = github(
    "thomaspoignant/scim-patch", "issues", 872, "scim-patch #872: Entra's string booleans"
)
ENTRA_CONTENT_TYPE_CHARSET = github(
    "MicrosoftDocs/azure-docs",
    "issues",
    12728,
    "azure-docs #12728: Entra's POST carried Content-Type application/scim+json; charset=utf-8",
)
ENTRA_TEST_CONNECTION_MEDIA_TYPE = github(
    "MicrosoftDocs/azure-docs",
    "issues",
    94189,
    "azure-docs #94189: Test Connection's request carried no SCIM media type (406 from Rails)",
)
MS_VALIDATOR_415 = github(
    "MicrosoftDocs/azure-docs",
    "issues",
    116775,
    "azure-docs #116775: the SCIM Validator failed with 415 without application/scim+json",
)
ENTRA_POST_ACTIVE_STRING = github(
    "AzureAD/SCIMReferenceCode",
    "issues",
    21,
    "SCIMReferenceCode #21: Entra's service sends active as a string in POST",
)
IDP_CREATES_DISABLED_USERS = github(
    "bitwarden/server", "pull", 7891, "bitwarden #7891: identity providers create users disabled"
)
ENTRA_REMOVE_LOWER_WITH_VALUE = github(
    "apache/directory-scimple",
    "pull",
    447,
    "directory-scimple #447: Entra's lower-case remove of members with a value list",
)
VALIDATOR_RUN_THIRD_PARTY = Source(
    "pranems/SCIMServer: a third-party record of Microsoft's SCIM Validator's requests",
    "https://github.com/pranems/SCIMServer/blob/HEAD/docs/SCIM_VALIDATION_GAP_ANALYSIS.md",
)
MS_QA_429_QUARANTINE = Source(
    "Microsoft Q&A 1922038: 429 answers put a custom app's provisioning in quarantine",
    "https://learn.microsoft.com/answers/questions/1922038",
)
MS_QA_NO_RATE_LIMIT = Source(
    "Microsoft Q&A 1233453: custom (non-gallery) apps have no client-side rate limiting",
    "https://learn.microsoft.com/answers/questions/1233453",
)
MS_SCIM_COMPATIBILITY_FIXED_2018 = MS_SCIM_COMPATIBILITY.at(
    "the table of compliance issues: group creation's invalid schema URI, fixed December 2018"
)
