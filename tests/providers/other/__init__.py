"""A second provider of the Customer API, written from the record alone.

It imports nothing from `mock_server`, `ndt_fixtures`, `ndt_contract` or `conformance`: its
dataset, search semantics, verify service and error shapes are its own, in the style of an
ASP.NET Core service behind Azure API Management. `create_app(bug=NAME)` switches one bug on
(`BUGS` lists them); `python -m tests.providers.other --port N [--bug NAME]` serves it.
"""

from .app import create_app
from .bugs import BUGS
from .server import ThreadedProvider

__all__ = ["BUGS", "ThreadedProvider", "create_app"]
