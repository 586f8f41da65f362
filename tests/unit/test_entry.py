import pytest

from mistral_lite.log.entry import ENTRY_VERSION, Entry, EntryFormatError
from mistral_lite import commands as cmd


def test_round_trip_through_json():
    entry = Entry("id1", "engine", (cmd.update("t", "x", {"state": "RUNNING"}, when={"state": "IDLE"}),), epoch=3)
    assert Entry.from_json(entry.to_json()) == entry
    assert Entry.from_json(entry.to_json().encode()) == entry


def test_json_is_compact_and_stable():
    entry = Entry("id1", "request", (cmd.insert("t", {"b": 1, "a": 2}),))
    assert entry.to_json() == entry.to_json()
    assert " " not in entry.to_json()


@pytest.mark.parametrize("text, message", [
    ("not json", "not a log entry"),
    ('{"kind": "request"}', "not a log entry"),
    ('{"id": "x", "kind": "gossip"}', "unknown entry kind"),
    ('{"id": "x", "kind": "request", "v": %d}' % (ENTRY_VERSION + 1), "newer"),
])
def test_malformed_entries_are_rejected(text, message):
    with pytest.raises(EntryFormatError, match=message):
        Entry.from_json(text)


def test_older_version_is_still_read():
    entry = Entry.from_json('{"id": "x", "kind": "request", "v": 1, "commands": []}')
    assert entry.v == 1
