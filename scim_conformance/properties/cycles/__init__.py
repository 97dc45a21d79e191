"""Entra's incremental cycles as a Hypothesis state machine, checked against a model:
`machine.py` (Entra's steps), `base.py` (their bookkeeping and the creates and member
changes several steps share), `model.py` (what Entra believes the app holds), `readback.py`
(the endpoint read back after each step) and `driver.py` (the tour, the generated cycles
and a bounded shrink; `run_cycles` is what a test calls)."""
