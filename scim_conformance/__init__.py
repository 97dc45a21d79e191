"""scim-conformance: replay Microsoft Entra ID's SCIM provisioning against any SCIM 2.0 endpoint."""

from __future__ import annotations

__version__ = "0.1.0"
