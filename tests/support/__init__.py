"""Helpers shared by the project's own tests.

Test modules import what they share from here: never from `conftest.py` (which holds only
fixtures) and never from another test module (`tests/test_harness.py` enforces both).

- `suite_run`: run the packaged suite in-process against a reference server; read outcomes.
- `caught`: a broken variant, and the one assertion that the suite catches it.
- `variants`: the one table of broken variants (and of faults proven legal elsewhere).
- `fault_probes`: what each fault changes, as one HTTP observation per fault.
- `reference_http`: talking to the reference server over HTTP in its own tests.
- `settings`: offline `Settings` for unit tests of the client, the ledger and the runners.
- `hostile`: a reference server that misbehaves the way real endpoints and proxies do.
- `third_party`: starting third-party SCIM servers and running the suite against them.
"""
