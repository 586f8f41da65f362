"""Entry.from_json raises EntryFormatError and nothing else, whatever it is given: in a cluster any
other exception escaping apply would make pysyncobj retry the entry for ever."""

from __future__ import annotations

import pytest

from mistral_lite import commands as cmd
from mistral_lite.log.entry import Entry, EntryFormatError
from tests.unit.store.test_raft_apply import MALFORMED

DECODE_FAILURES = [name for name in MALFORMED if name not in (
    # well-formed entries whose commands fail when applied, not when decoded
    "unknown op", "command on an internal table", "row not an object", "integer too large for SQLite",
    "a lone surrogate in a value")]


@pytest.mark.parametrize("name", DECODE_FAILURES)
def test_every_malformed_entry_is_an_entry_format_error(name):
    with pytest.raises(EntryFormatError):
        Entry.from_json(MALFORMED[name])


@pytest.mark.parametrize("value", [None, 5, ["{}"], {"id": "x"}, bytearray(b"{}")])
def test_what_is_not_text_is_an_entry_format_error(value):
    with pytest.raises(EntryFormatError):
        Entry.from_json(value)


def test_the_id_it_claims_is_kept_for_the_error_row():
    with pytest.raises(EntryFormatError) as raised:
        Entry.from_json('{"id": "abc", "kind": "engine", "epoch": "1"}')
    assert raised.value.entry_id == "abc"


def test_prev_round_trips_and_is_left_out_when_none():
    chained = Entry("e2", "engine", (cmd.delete("timers", "t"),), epoch=4, prev="e1")
    assert Entry.from_json(chained.to_json()) == chained
    assert '"prev":"e1"' in chained.to_json()
    alone = Entry("e1", "engine", ())
    assert "prev" not in alone.to_json()
    assert Entry.from_json('{"id": "e", "kind": "engine", "prev": null}').prev is None


def test_a_well_formed_entry_has_no_problem_and_a_built_bad_one_says_why():
    assert Entry("x", "barrier", (), epoch=0).problem() is None
    assert "epoch" in Entry("x", "engine", (), epoch="3").problem()  # type: ignore[arg-type]
    assert "prev" in Entry("x", "engine", (), epoch=3, prev=7).problem()  # type: ignore[arg-type]
