"""Conformance: does a base URL honour the Customer API contract?"""

from conformance.options import ConformOptions, UsageError
from conformance.report.model import RunResult
from conformance.runner import run_conformance

__all__ = ["ConformOptions", "RunResult", "UsageError", "run_conformance"]
