"""Parsing JSON and YAML text inside expressions, within the expression budget.

A few hundred bytes of YAML can describe a billion nodes: an alias repeats
a whole subtree by reference, and aliases of aliases multiply ("billion
laughs"). PyYAML builds such a document cheaply, as shared objects; what
explodes is everything after (copying the result, writing it as JSON). So
the node graph is measured before anything is constructed: the number of
nodes it would have with every alias written out, computed once per node
and abandoned as soon as it passes the budget. Documents that contain
themselves (``&a [*a]``) cannot be written as JSON and are refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import yaml

from mistral_lite.expr import limits

# Deeper documents cannot be copied or stored (Python's recursion limit is 1000).
MAX_DEPTH = 200

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_json(text: str) -> Any:
    limits.check_size("The JSON text", len(text))
    try:
        value = json.loads(text)
    except RecursionError:
        _too_deep("JSON")
    _check_depth(value)
    return value


def parse_yaml(text: str) -> Any:
    limits.check_size("The YAML text", len(text))
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _check_expanded_size(root, limits.current().max_items)
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def _check_expanded_size(root: yaml.Node, cap: int) -> None:
    """Raise LimitExceeded if ``root`` expands (aliases written out) to more than ``cap`` nodes or MAX_DEPTH levels."""
    sizes: dict[int, int] = {}  # expanded size of each finished node
    on_path: set[int] = {id(root)}
    stack: list[list[Any]] = [[root, _children(root), 1]]  # node, children left, size so far
    while stack:
        frame = stack[-1]
        child = next(frame[1], None)
        if child is None:
            stack.pop()
            on_path.discard(id(frame[0]))
            sizes[id(frame[0])] = frame[2]
            if stack:
                stack[-1][2] += frame[2]
                _check_nodes(stack[-1][2], cap)
            continue
        if id(child) in sizes:
            frame[2] += sizes[id(child)]
            _check_nodes(frame[2], cap)
        elif id(child) in on_path:
            raise limits.LimitExceeded("The YAML document contains itself through an alias")
        else:
            if len(stack) >= MAX_DEPTH:
                _too_deep("YAML")
            on_path.add(id(child))
            stack.append([child, _children(child), 1])


def _check_nodes(count: int, cap: int) -> None:
    if count > cap:
        limits.check_items("The YAML document, with its aliases expanded,", count)


def _check_depth(value: Any) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth > MAX_DEPTH:
            _too_deep("JSON")
        stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))


def _too_deep(kind: str) -> None:
    raise limits.LimitExceeded(f"The {kind} document is nested more than {MAX_DEPTH} levels deep")
