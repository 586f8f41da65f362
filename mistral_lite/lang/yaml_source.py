"""YAML loading the way Mistral does it, keeping the line of every key.

Mistral's loader is safe and has anchors and aliases switched off: `&x` and
`*x` are read as plain text, and a plain scalar may start with `@`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from mistral_lite.lang.errors import DslError

Path = tuple[Any, ...]


class _MistralLoader(yaml.SafeLoader):
    def check_plain(self) -> bool:
        return self.peek() in "@&*" or super().check_plain()

    def fetch_alias(self) -> None:
        self.fetch_plain()

    def fetch_anchor(self) -> None:
        self.fetch_plain()


# PyYAML resolves a lone `!`, `&` or `*` to a tag no safe constructor knows;
# with anchors off they are just text.
_MistralLoader.add_constructor("tag:yaml.org,2002:yaml", lambda loader, node: loader.construct_scalar(node))


@dataclass(frozen=True)
class Source:
    """A parsed document: its data, and the 1-based line of each mapping key and list item."""

    text: str
    data: Any
    lines: dict[Path, int]

    def line_of(self, path: Path) -> int | None:
        """Line of the deepest known prefix of path (the key itself if known)."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def load(text: str) -> Source:
    """Parse YAML text; a syntax error becomes a DslError with its line."""
    loader = _MistralLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = e.problem or str(e)
        raise DslError(f"Definition could not be parsed: {problem}", line=line) from None
    except yaml.YAMLError as e:
        raise DslError(f"Definition could not be parsed: {e}") from None
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    if node is not None:
        lines[()] = node.start_mark.line + 1
        _collect_lines(loader, node, (), lines)
        _release(node)
    return Source(text, data, lines)


def _release(root: yaml.Node) -> None:
    """Free the node tree a few nodes at a time. Freed in one go (when `load` returns), the tree of a
    20,000-task document holds the GIL for tens of milliseconds, stalling the event loop of a node
    that parses it on a thread."""
    pending: list[Any] = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, tuple):  # a mapping's (key node, value node)
            pending.extend(node)
        elif isinstance(node.value, list):
            pending.extend(node.value)
            node.value = None


def _collect_lines(loader: yaml.SafeLoader, node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = loader.construct_object(key_node)
            child = path + (key,)
            lines[child] = key_node.start_mark.line + 1
            _collect_lines(loader, value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = path + (i,)
            lines[child] = item.start_mark.line + 1
            _collect_lines(loader, item, child, lines)
