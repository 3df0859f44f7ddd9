"""Correct providers of the Customer API that share no code with our mock.

The catalogue in `tests/broken/` wraps our own mock, so it can only differ from us where we
thought of it. A provider written from the record alone, taking every freedom the record
leaves, shows which of our verdicts rest on guesses; its bug variants show which bugs the
suite misses.
"""
