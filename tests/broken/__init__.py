"""Deliberately broken variants of the mock: one module per broken rule, each wrapping the real app.

Each module defines `RULE` (what it breaks), `EXPECTED_CHECK` (the check that must catch it)
and `mutate(request, response) -> response`.
"""
