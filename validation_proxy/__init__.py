"""The validation proxy: forwards real traffic to an upstream, judges every exchange with the
conformance suite's own judge, and records what it saw as an anonymised dataset.

It imports `conformance` (the judge, the checks, redaction, reporters) and `ndt_fixtures`
(the dataset format of its recordings), never the mock.
"""

from validation_proxy.settings import ProxySettings, ProxyUsageError, check_usage

__all__ = ["ProxySettings", "ProxyUsageError", "check_usage"]
