"""The conformance suite: plain pytest tests that replay Entra's request sequences."""
