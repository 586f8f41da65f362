"""YAML loading the way Mistral does it, keeping the line of every key.

Mistral's loader is safe and has anchors and aliases switched off: `&x` and
`*x` are read as plain text, and a plain scalar may start with `@`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import yaml

from mistral_lite import storable
from mistral_lite.lang.errors import DslError, DslSyntaxError

Path = tuple[Any, ...]
SHOWN = 40


class _MistralLoader(yaml.SafeLoader):
    def __init__(self, text: str, max_depth: int) -> None:
        self.max_depth = max_depth
        self.depth = 0
        super().__init__(text)

    def _too_deep(self) -> str:
        return f"the document is nested deeper than {self.max_depth} levels (option max_nesting_depth)"

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        # The composer recurses once per level: refuse a deep document before the stack runs out.
        # Levels are lists and mappings, as in storable.first_problem; a scalar is not one.
        if self.check_event(yaml.ScalarEvent, yaml.AliasEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        try:
            if self.depth > self.max_depth:
                raise yaml.composer.ComposerError(None, None, self._too_deep(), self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def _flow_start(self, fetch: Any) -> None:
        # The scanner looks ahead further at each open bracket: stop "[[[[..." as it is read.
        if self.flow_level >= self.max_depth:
            raise yaml.scanner.ScannerError(None, None, self._too_deep(), self.get_mark())
        fetch()

    def fetch_flow_sequence_start(self) -> None:
        self._flow_start(super().fetch_flow_sequence_start)

    def fetch_flow_mapping_start(self) -> None:
        self._flow_start(super().fetch_flow_mapping_start)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # Constructors raise plain errors for values that look typed but are not
        # (an integer of 5,000 digits); give them the node's line like any other.
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as e:
            shown = str(node.value) if isinstance(node, yaml.ScalarNode) else node.tag
            shown = shown if len(shown) <= SHOWN else shown[: SHOWN - 1] + "…"
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value {shown!r}: {e}", node.start_mark
            ) from None

    def check_plain(self) -> bool:
        return self.peek() in "@&*" or super().check_plain()

    def fetch_alias(self) -> None:
        self.fetch_plain()

    def fetch_anchor(self) -> None:
        self.fetch_plain()


# PyYAML resolves a lone `!`, `&` or `*` to a tag no safe constructor knows;
# with anchors off they are just text.
_MistralLoader.add_constructor("tag:yaml.org,2002:yaml", lambda loader, node: loader.construct_scalar(node))


class YamlDate(str):
    """An unquoted date or time (`2024-01-15`, `2024-01-15 10:30:00`) as the text Mistral makes of it.

    A definition is stored as JSON, which has no date type; where Mistral accepts a date, its JSON
    encoder turns it into text: a date as `2024-01-15`, a time as `2024-01-15T10:30:00.000000` (an
    offset is dropped, not applied). The type remembers that YAML read a date, because Mistral's
    schema refuses one wherever it checks a value's JSON type (see values.refuse_dates)."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> YamlDate | str:
    try:
        value = loader.construct_yaml_timestamp(node)
    except ValueError:  # looks like a date but is none (month 13): the text, not an error
        return loader.construct_scalar(node)
    if isinstance(value, datetime.datetime):
        return YamlDate(value.strftime("%Y-%m-%dT%H:%M:%S.%f"))
    return YamlDate(value.isoformat())


_MistralLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


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


def load(text: str, max_depth: int = storable.DEFAULT_MAX_DEPTH) -> Source:
    """Parse YAML text; a syntax error, or a value JSON cannot hold, becomes a DslError with its line."""
    loader = None
    try:
        # The reader refuses control characters (NUL included) as soon as it is made.
        loader = _MistralLoader(text, max_depth)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise DslSyntaxError(f"Definition could not be parsed: {e}\n", line=line) from None
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1 if isinstance(e.position, int) else None
        raise DslError(f"Definition could not be parsed: unacceptable character #x{e.character:04x}: {e.reason}",
                       line=line) from None
    except yaml.YAMLError as e:
        raise DslError(f"Definition could not be parsed: {e}") from None
    except RecursionError:
        raise DslError(f"Definition could not be parsed: the document is nested too deeply "
                       f"(option max_nesting_depth is {max_depth})") from None
    except (ValueError, OverflowError) as e:  # the scanner's own, e.g. the escape "\U0070DB7A" is no character
        line = loader.line + 1 if loader is not None else None
        raise DslError(f"Definition could not be parsed: {e}", line=line) from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[Path, int] = {}
    if node is not None:
        lines[()] = node.start_mark.line + 1
        _collect_lines(loader, node, (), lines)
        _release(node)
    source = Source(text, data, lines)
    problem = storable.first_problem(data, max_depth)
    if problem is not None:
        where = {"key": ".".join(_printable(p) for p in problem.path)} if problem.path else None
        raise DslError(problem.message, line=source.line_of(problem.path), where=where)
    return source


def _printable(key: Any) -> str:
    # The key may hold the very surrogate being reported; the message must stay valid text.
    return str(key).encode("utf-8", "backslashreplace").decode("utf-8")


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
