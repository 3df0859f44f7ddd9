"""Reporters: each reads a redacted RunResult and nothing else."""

from conformance.report.junit import write_junit
from conformance.report.terminal import render_summary

__all__ = ["render_summary", "write_junit"]
