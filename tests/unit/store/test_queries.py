"""Pages, sorting, markers and filters over a real SQLite file."""

import pytest

from mistral_lite.log.entry import Entry
from mistral_lite.store import commands as cmd
from mistral_lite.store import queries
from mistral_lite.store.database import Store, connect
from mistral_lite.store.queries import Filter, PageQuery


@pytest.fixture
def db(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    rows = []
    for i in range(30):
        rows.append(cmd.insert("workbooks", {
            "id": f"{i:04d}", "name": f"wb{i % 7}-{i}", "namespace": "ns" if i % 3 == 0 else "",
            "definition": "d", "tags": ["even"] if i % 2 == 0 else ["odd", "x"], "project_id": "p",
            # several rows share a timestamp so that `id` must break ties
            "created_at": f"2026-01-01 00:00:{i // 4:02d}.000000",
            "updated_at": None if i % 5 else f"2026-02-01 00:00:{i:02d}.000000",
        }))
    store.apply_batch([(1, Entry("seed", "request", tuple(rows)))])
    conn = connect(store.path, readonly=True)
    yield conn, store.catalog
    conn.close()
    store.close()


def all_pages(conn, catalog, query: PageQuery):
    seen, marker = [], None
    for _ in range(100):
        page = queries.list_page(conn, catalog, "workbooks", PageQuery(
            query.filters, query.sort_keys, query.sort_dirs, query.limit, marker))
        seen.extend(r["id"] for r in page)
        if len(page) < query.limit:
            return seen
        marker = page[-1]["id"]
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("keys, dirs", [
    (("created_at",), ("asc",)),
    (("created_at",), ("desc",)),
    (("name", "created_at"), ("desc", "asc")),
    (("updated_at",), ("asc",)),  # mostly NULL
    (("namespace", "updated_at"), ("asc", "desc")),
])
@pytest.mark.parametrize("limit", [1, 4, 7, 30])
def test_pages_cover_the_full_order_exactly_once(db, keys, dirs, limit):
    conn, catalog = db
    full = [r["id"] for r in queries.list_page(conn, catalog, "workbooks", PageQuery((), keys, dirs))]
    assert sorted(full) == [f"{i:04d}" for i in range(30)]
    assert all_pages(conn, catalog, PageQuery((), keys, dirs, limit)) == full


def test_descending_order_is_reverse_of_ascending(db):
    conn, catalog = db
    up = [r["id"] for r in queries.list_page(conn, catalog, "workbooks", PageQuery((), ("created_at",), ("asc",)))]
    down = [r["id"] for r in queries.list_page(conn, catalog, "workbooks", PageQuery((), ("created_at",), ("desc",)))]
    assert down == list(reversed(up))


def test_unknown_marker(db):
    conn, catalog = db
    with pytest.raises(queries.MarkerNotFound):
        queries.list_page(conn, catalog, "workbooks", PageQuery(marker="nope", limit=5))


@pytest.mark.parametrize("flt, expected", [
    (Filter("namespace", "eq", "ns"), 10),
    (Filter("namespace", "neq", "ns"), 20),
    (Filter("id", "gte", "0025"), 5),
    (Filter("id", "lt", "0002"), 2),
    (Filter("id", "in", ["0001", "0003", "zzzz"]), 2),
    (Filter("id", "nin", ["0001", "0003"]), 28),
    (Filter("name", "has", "wb3"), 4),
    (Filter("updated_at", "null"), 24),
    (Filter("tags", "tags", ["odd", "x"]), 15),
    (Filter("tags", "tags", ["odd", "even"]), 0),
    (Filter("name", "has", "%"), 0),  # LIKE wildcards are literal
])
def test_filters(db, flt, expected):
    conn, catalog = db
    assert len(queries.list_page(conn, catalog, "workbooks", PageQuery((flt,)))) == expected


def test_find_rows_and_get_row(db):
    conn, catalog = db
    assert queries.get_row(conn, catalog, "workbooks", "0003")["tags"] == ["odd", "x"]
    assert queries.get_row(conn, catalog, "workbooks", "missing") is None
    assert len(queries.find_rows(conn, catalog, "workbooks", {"namespace": "ns"})) == 10


def test_omitted_columns_are_not_read(db):
    conn, catalog = db
    page = queries.list_page(conn, catalog, "workbooks", PageQuery(limit=3, omit=("definition", "tags")))
    assert len(page) == 3
    assert all("definition" not in row and "tags" not in row and row["name"] for row in page)
    whole = queries.list_page(conn, catalog, "workbooks", PageQuery(limit=1))[0]
    assert whole["definition"] == "d" and whole["tags"] == ["even"]


def test_a_page_stops_before_the_row_that_would_pass_its_byte_budget(db):
    conn, catalog = db
    whole = queries.read_page(conn, catalog, "workbooks", PageQuery(limit=10))
    assert len(whole.rows) == 10 and not whole.cut
    cut = queries.read_page(conn, catalog, "workbooks", PageQuery(limit=10), max_bytes=200)
    assert 0 < len(cut.rows) < 10 and cut.cut
    assert [r["id"] for r in cut.rows] == [r["id"] for r in whole.rows[:len(cut.rows)]]
    one = queries.read_page(conn, catalog, "workbooks", PageQuery(limit=10), max_bytes=1)
    assert len(one.rows) == 1 and one.cut  # never an empty page while rows remain
    last = queries.read_page(conn, catalog, "workbooks", PageQuery(limit=10, marker=whole.rows[-1]["id"]),
                             max_bytes=10**6)
    assert not last.cut
