"""Outcomes, the verdict, the baseline and every report a run writes (terminal, JSON, HTML)."""
