"""`engine.ast_lock`: ast.parse is serialised for a run only, and the process's own comes back."""

import ast
import threading

import pytest

from conformance import engine
from conformance.engine import ast_lock


def test_the_lock_is_put_back_after_the_run():
    own = ast.parse
    with ast_lock(affected=True):
        assert ast.parse is not own
        assert isinstance(ast.parse("x = 1"), ast.Module)
    assert ast.parse is own


def test_it_is_put_back_when_the_run_raises():
    own = ast.parse
    with pytest.raises(RuntimeError), ast_lock(affected=True):
        raise RuntimeError("boom")
    assert ast.parse is own


def test_nested_runs_keep_the_lock_until_the_last_one_leaves():
    own = ast.parse
    with ast_lock(affected=True):
        locked = ast.parse
        with ast_lock(affected=True):
            assert ast.parse is locked  # not wrapped twice
        assert ast.parse is locked
    assert ast.parse is own


def test_unaffected_versions_are_left_alone():
    own = ast.parse
    with ast_lock(affected=False):
        assert ast.parse is own
    assert ast.parse is own


def test_a_parse_waits_for_the_lock():
    done = threading.Event()
    with ast_lock(affected=True):
        with engine._AST_LOCK:
            thread = threading.Thread(target=lambda: (ast.parse("y = 2"), done.set()))
            thread.start()
            assert not done.wait(0.1)  # held here: the other thread's parse waits
        thread.join(5)
        assert done.is_set()
