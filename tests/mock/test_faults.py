"""Direct tests of mock_server.faults: the --latency grammar and the seeded error rate."""

from __future__ import annotations

import pytest

from mock_server.faults import FaultInjector, LatencyRange


@pytest.mark.parametrize(
    "text,expected",
    [
        ("50-200", (50, 200)),
        ("0", (0, 0)),
        ("75", (75, 75)),
        (" 10 - 20 ", (10, 20)),
        ("5-5", (5, 5)),
        ("0-60000", (0, 60_000)),
        ("60000", (60_000, 60_000)),
    ],
)
def test_latency_forms(text, expected):
    parsed = LatencyRange.parse(text)
    assert (parsed.min_ms, parsed.max_ms) == expected


@pytest.mark.parametrize("text", ["", "fast", "-5", "10-", "1.5", "10-20-30", "10ms", "10..20"])
def test_unreadable_latency_names_the_expected_form(text):
    with pytest.raises(ValueError, match=r"expected MS or MIN-MAX in milliseconds, e\.g\. 50-200"):
        LatencyRange.parse(text)


@pytest.mark.parametrize("text", ["200-50", "60001", "0-60001"])
def test_latency_out_of_order_or_past_a_minute_is_refused(text):
    with pytest.raises(ValueError, match=r"need MIN <= MAX <= 60000"):
        LatencyRange.parse(text)


def test_the_message_quotes_the_input():
    with pytest.raises(ValueError, match=r"^latency 'fast': "):
        LatencyRange.parse("fast")


@pytest.mark.parametrize("rate", [-0.01, 1.01, 2.0])
def test_an_error_rate_outside_0_1_is_refused(rate):
    with pytest.raises(ValueError, match=f"error rate {rate} is outside 0..1"):
        FaultInjector(None, rate, seed=1)


def test_no_latency_and_no_errors_is_inactive_and_never_delays_or_fails():
    faults = FaultInjector(None, 0.0, seed=1)
    assert not faults.active
    assert faults.delay_seconds() == 0.0
    assert not any(faults.should_fail() for _ in range(200))


def test_latency_alone_makes_it_active():
    assert FaultInjector(LatencyRange(0, 0), 0.0, seed=1).active


def test_an_error_rate_alone_makes_it_active():
    assert FaultInjector(None, 0.1, seed=1).active


def test_delays_stay_inside_the_range_in_seconds():
    faults = FaultInjector(LatencyRange(50, 200), 0.0, seed=7)
    delays = [faults.delay_seconds() for _ in range(500)]
    assert all(0.05 <= d <= 0.2 for d in delays)
    assert max(delays) - min(delays) > 0.1  # spread over the range, not one value


def test_a_fixed_latency_is_exactly_that():
    faults = FaultInjector(LatencyRange(75, 75), 0.0, seed=3)
    assert {faults.delay_seconds() for _ in range(20)} == {0.075}


def test_error_rate_one_always_fails_and_rate_is_roughly_honoured():
    assert all(FaultInjector(None, 1.0, seed=1).should_fail() for _ in range(100))
    faults = FaultInjector(None, 0.25, seed=11)
    failures = sum(faults.should_fail() for _ in range(4000))
    assert 800 < failures < 1200


def test_the_same_seed_repeats_the_same_faults_and_another_differs():
    def run(seed: int) -> list:
        faults = FaultInjector(LatencyRange(0, 1000), 0.5, seed)
        return [(faults.delay_seconds(), faults.should_fail()) for _ in range(50)]

    assert run(42) == run(42)
    assert run(42) != run(43)
