"""Capsync's sync benchmark (issue 6): `python -m bench` (or `make bench`); results go to docs/BENCHMARKS.md.

It starts the Xero sandbox with a generated "Benchmark Org" and Xero's rate limits, links it to a dedicated
PostgreSQL database the way the connect wizard does, then measures the initial full sync, an idle incremental
sync and one webhook-driven change. Speed and memory targets live here, never in timed unit tests.
"""
