"""The layered layout: ranks follow edges (except the ones reversed to break cycles), nodes never overlap,
and thousands of tasks finish (the time itself is measured by benchmarks/graph_layout.py)."""

from __future__ import annotations

import random
import time

from benchmarks.graph_layout import synthetic_edges as synthetic
from mistral_lite.graph.layout import NODE_HEIGHT, NODE_WIDTH, layout


def check(count: int, edges: list[tuple[int, int]]) -> None:
    placed = layout(count, edges)
    for i, (s, t) in enumerate(edges):
        if s == t:
            assert placed.reversed[i]
        elif placed.reversed[i]:
            assert placed.rank[t] < placed.rank[s], (s, t)
        else:
            assert placed.rank[s] < placed.rank[t], (s, t)
        assert placed.points[i][0] == (placed.x[s] + NODE_WIDTH / 2, placed.y[s] + NODE_HEIGHT / 2)
        assert placed.points[i][-1] == (placed.x[t] + NODE_WIDTH / 2, placed.y[t] + NODE_HEIGHT / 2)
    boxes = sorted(zip(placed.y, placed.x))
    for (y1, x1), (y2, x2) in zip(boxes, boxes[1:]):
        assert y1 != y2 or x2 - x1 >= NODE_WIDTH, "two nodes overlap"
    for n in range(count):
        assert 0 <= placed.x[n] <= placed.width - NODE_WIDTH and 0 <= placed.y[n] <= placed.height - NODE_HEIGHT


def test_a_chain_is_one_node_per_rank():
    placed = layout(4, [(0, 1), (1, 2), (2, 3)])
    assert placed.rank == [0, 1, 2, 3]
    assert len(set(placed.x)) == 1 and not any(placed.reversed)


def test_a_loop_is_reversed_and_drawn_back_up():
    placed = layout(3, [(0, 1), (1, 2), (2, 0), (1, 1)])
    assert placed.reversed == [False, False, True, True]
    assert placed.rank == [0, 1, 2]
    assert placed.points[2][0][1] > placed.points[2][-1][1]  # from task 2 (below) up to task 0


def test_a_long_edge_passes_one_point_per_rank():
    placed = layout(4, [(0, 1), (1, 2), (2, 3), (0, 3)])
    assert len(placed.points[3]) == 4  # ranks 0 to 3: two dummy points between
    check(4, [(0, 1), (1, 2), (2, 3), (0, 3)])


def test_fan_out_and_join_do_not_overlap():
    edges = [(0, n) for n in range(1, 50)] + [(n, 50) for n in range(1, 50)]
    check(51, edges)
    assert layout(51, edges).rank[50] == 2


def test_random_graphs_keep_every_property():
    for seed in range(20):
        count = random.Random(seed).randint(1, 200)
        check(count, synthetic(count, seed))


def test_five_thousand_tasks_and_a_deep_chain_finish():
    started = time.monotonic()
    check(5000, synthetic(5000))
    placed = layout(20000, [(n, n + 1) for n in range(19999)])  # no recursion to overflow
    assert placed.rank[-1] == 19999
    assert time.monotonic() - started < 60  # a generous bound: it only has to finish


def test_an_empty_graph():
    placed = layout(0, [])
    assert placed.x == [] and placed.width == 0 and placed.height == 0
