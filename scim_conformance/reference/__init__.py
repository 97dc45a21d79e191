"""An in-memory Webex-style SCIM 2.0 server with switchable faults, for testing the suite."""

from __future__ import annotations

from .app import DEFAULT_ORG_ID, ReferenceApp
from .faults import Fault
from .runner import RunningServer, serve

__all__ = ["DEFAULT_ORG_ID", "Fault", "ReferenceApp", "RunningServer", "serve"]
