"""`ndt-customer`: the command line above the four packages it dispatches to.

This package is the top layer: it imports `ndt_contract`, `ndt_fixtures`, `mock_server` and
`conformance`, and none of them imports it back.
"""

from ndt_cli.main import main

__all__ = ["main"]
