"""The application's clock: tests move it instead of sleeping."""

from datetime import timedelta

from lms.timeutil import utcnow


def test_utcnow_follows_the_clock_a_test_moves(clock):
    before = utcnow()
    clock.advance(timedelta(hours=1))
    moved = utcnow()
    assert moved - before >= timedelta(hours=1)
    clock.reset()
    assert utcnow() < moved
