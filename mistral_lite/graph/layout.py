"""A layered (Sugiyama-style) layout, plain and fast: thousands of tasks in a fraction of a second.

Steps: a depth-first search reverses the edges that close a cycle (loops and retries drawn back up),
ranks are longest paths from the sources, an edge spanning several ranks gets one dummy point per rank
it crosses, and a few barycenter sweeps order each rank to cut crossings. Ranks run top to bottom; a
node's x is its slot in its rank, the ranks centred on each other, so no two nodes ever overlap.
Dagre and ELK draw prettier small graphs but took seconds to minutes at a thousand nodes
(docs/ui.md, "Server side").
"""

from __future__ import annotations

from dataclasses import dataclass, field

NODE_WIDTH = 180
NODE_HEIGHT = 44
GAP_X = 40
GAP_Y = 70
SWEEPS = 4


@dataclass
class Placed:
    """Where the layout put a graph: node boxes by index, edge polylines by index."""

    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    rank: list[int] = field(default_factory=list)
    points: list[list[tuple[float, float]]] = field(default_factory=list)
    reversed: list[bool] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0


def layout(count: int, edges: list[tuple[int, int]]) -> Placed:
    """Lay out `count` nodes joined by `edges` (source index, target index), in the order given."""
    back = _back_edges(count, edges)
    forward = [(t, s) if back[i] else (s, t) for i, (s, t) in enumerate(edges)]
    rank = _ranks(count, [e for e in forward if e[0] != e[1]])
    chains, ranks_of = _chains(count, forward, rank)
    layers = _layers(ranks_of, _first_order(count, forward, len(ranks_of)))
    _sweep(layers, chains, len(ranks_of))
    return _coordinates(count, edges, back, rank, chains, layers, ranks_of)


def _back_edges(count: int, edges: list[tuple[int, int]]) -> list[bool]:
    """Edges that close a cycle in a depth-first search from the nodes in order (iterative: deep chains)."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(count)]
    for i, (s, t) in enumerate(edges):
        out[s].append((t, i))
    back = [False] * len(edges)
    state = [0] * count  # 0 unseen, 1 on the path, 2 done
    for root in range(count):
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(out[root]))]
        while stack:
            node, pending = stack[-1]
            step = next(pending, None)
            if step is None:
                state[node] = 2
                stack.pop()
                continue
            target, i = step
            if state[target] == 1:
                back[i] = True
            elif state[target] == 0:
                state[target] = 1
                stack.append((target, iter(out[target])))
    return back


def _ranks(count: int, edges: list[tuple[int, int]]) -> list[int]:
    """Longest path from a source, in topological order (the edges form no cycle)."""
    out: list[list[int]] = [[] for _ in range(count)]
    indegree = [0] * count
    for s, t in edges:
        out[s].append(t)
        indegree[t] += 1
    rank = [0] * count
    ready = [n for n in range(count) if not indegree[n]]
    while ready:
        node = ready.pop()
        for target in out[node]:
            if rank[node] + 1 > rank[target]:
                rank[target] = rank[node] + 1
            indegree[target] -= 1
            if not indegree[target]:
                ready.append(target)
    return rank


def _chains(count: int, forward: list[tuple[int, int]], rank: list[int]) -> tuple[list[list[int]], list[int]]:
    """Each edge as the vertices it passes, one per rank (dummies numbered from `count`); ranks of all."""
    ranks_of = list(rank)
    chains: list[list[int]] = []
    for s, t in forward:
        chain = [s]
        for r in range(rank[s] + 1, rank[t]):
            chain.append(len(ranks_of))
            ranks_of.append(r)
        chain.append(t)
        chains.append(chain)
    return chains, ranks_of


def _first_order(count: int, forward: list[tuple[int, int]], total: int) -> list[int]:
    """Nodes in depth-first discovery order (a tree starts untangled), dummies after."""
    out: list[list[int]] = [[] for _ in range(count)]
    for s, t in forward:
        out[s].append(t)
    seen = [False] * count
    order: list[int] = []
    for root in range(count):
        if seen[root]:
            continue
        seen[root] = True
        stack = [root]
        while stack:
            node = stack.pop()
            order.append(node)
            for target in reversed(out[node]):
                if not seen[target]:
                    seen[target] = True
                    stack.append(target)
    return order + list(range(count, total))


def _layers(ranks_of: list[int], order: list[int]) -> list[list[int]]:
    layers: list[list[int]] = [[] for _ in range(max(ranks_of, default=-1) + 1)]
    for vertex in order:
        layers[ranks_of[vertex]].append(vertex)
    return layers


def _sweep(layers: list[list[int]], chains: list[list[int]], total: int) -> None:
    """Barycenter ordering: each rank sorted by the mean slot of its neighbours, down then up."""
    up: list[list[int]] = [[] for _ in range(total)]
    down: list[list[int]] = [[] for _ in range(total)]
    for chain in chains:
        for a, b in zip(chain, chain[1:]):
            down[a].append(b)
            up[b].append(a)
    slot = [0.0] * total
    for layer in layers:
        for i, vertex in enumerate(layer):
            slot[vertex] = i
    for sweep in range(SWEEPS):
        towards, indices = (up, range(1, len(layers))) if sweep % 2 == 0 else (down, range(len(layers) - 2, -1, -1))
        for r in indices:
            layer = layers[r]
            keys = {}
            for vertex in layer:
                near = towards[vertex]
                keys[vertex] = sum(slot[n] for n in near) / len(near) if near else slot[vertex]
            layer.sort(key=keys.__getitem__)  # stable: ties keep their order
            for i, vertex in enumerate(layer):
                slot[vertex] = i


def _coordinates(count: int, edges: list[tuple[int, int]], back: list[bool], rank: list[int],
                 chains: list[list[int]], layers: list[list[int]], ranks_of: list[int]) -> Placed:
    widest = max((len(layer) for layer in layers), default=0)
    x = [0.0] * len(ranks_of)
    for layer in layers:
        offset = (widest - len(layer)) * (NODE_WIDTH + GAP_X) / 2
        for i, vertex in enumerate(layer):
            x[vertex] = offset + i * (NODE_WIDTH + GAP_X)
    y = [r * (NODE_HEIGHT + GAP_Y) for r in ranks_of]
    placed = Placed(x=x[:count], y=y[:count], rank=rank, reversed=back,
                    width=max(widest * (NODE_WIDTH + GAP_X) - GAP_X, 0),
                    height=max(len(layers) * (NODE_HEIGHT + GAP_Y) - GAP_Y, 0))
    for i, chain in enumerate(chains):
        points = [(x[v] + NODE_WIDTH / 2, y[v] + NODE_HEIGHT / 2) for v in chain]
        placed.points.append(points[::-1] if back[i] else points)
    return placed
