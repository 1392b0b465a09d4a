"""A standalone emulator of Xero's identity and accounting APIs (no Django, no Capsync imports).

Start it with ``python -m xero_sandbox serve --port 8765``; see README.md in this package.
"""
