"""pytest glue: hooks (the pytest11 entry point), options, settings, session and sweep."""
