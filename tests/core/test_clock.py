from datetime import UTC, datetime, timedelta

import pytest

from accord.core import clock


def test_clock_can_be_pinned_and_moved():
    moment = datetime(2026, 1, 1, 12, tzinfo=UTC)
    with clock.frozen(moment):
        assert clock.now() == moment
        clock.advance(timedelta(days=14))
        assert clock.now() == moment + timedelta(days=14)
        assert clock.today().isoformat() == "2026-01-15"
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_clock_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        clock.set_now(datetime(2026, 1, 1))
