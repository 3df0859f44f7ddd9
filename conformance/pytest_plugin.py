"""The conformance suite as a pytest test, for teams that embed it in their own suite.

    # test_customer_api.py
    from conformance.pytest_plugin import conformance_test
    test_customer_api = conformance_test(base_url_env="CUSTOMER_API_URL", max_examples=10)

The test fails with the same redacted summary the CLI prints. With no target configured it is
skipped on a developer's machine but fails under CI (`CI` set): a pipeline that forgot to
configure the target must not go green.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from conformance.options import ConformOptions
from conformance.report.terminal import is_ci, render_summary
from conformance.runner import run_conformance


def conformance_test(
    base_url: str | None = None, *, base_url_env: str = "NDT_BASE_URL", **options: Any
) -> Callable[[], None]:
    def test_customer_api_conformance() -> None:
        import pytest

        url = base_url or os.environ.get(base_url_env)
        if not url:
            message = f"set {base_url_env} to the API's base URL to run the conformance suite"
            if is_ci():
                pytest.fail(f"CI is set but no target is configured: {message}", pytrace=False)
            pytest.skip(message)
        result = run_conformance(ConformOptions(base_url=url, **options))
        assert result.passed, render_summary(result)

    return test_customer_api_conformance
