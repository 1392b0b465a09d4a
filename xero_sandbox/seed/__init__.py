"""Seed data: the demo organisations and generated benchmark organisations.

- ``builder.py``: writes records through the API's own rules, dated relative to ``today``.
- ``demo.json`` + ``demo.py``: the demo organisations as data, played through the builder.
- ``generate.py``: reproducible benchmark organisations with a named ``Mix``.
- ``start.py``: what a sandbox starts with (organisations, the demo app and user) for its options.
"""

from xero_sandbox.seed.demo import demo_tenant_data
from xero_sandbox.seed.generate import Mix, generate

__all__ = ["Mix", "demo_tenant_data", "generate"]
