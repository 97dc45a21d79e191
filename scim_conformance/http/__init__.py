"""HTTP: the one client of a run, retries and pacing, and the redacted transcript."""
