"""YAML loading that keeps line numbers and rejects duplicate keys.

Input is treated as hostile: UTF-8 only, at most `MAX_YAML_BYTES`, nesting at most
`MAX_DEPTH` deep, keys must be scalars, and anchors/aliases (`&a` / `*a`, merge keys)
are refused, so a 500-byte "billion laughs" file cannot expand into gigabytes in
`plain()` or in a template. Every error is a `ValidationError` naming `file:line`.

Every mapping comes back as a `LineDict` (a dict with `.line` and `.key_lines`) and
every sequence as a `LineList` (a list with `.line` and `.item_lines`), so validators
can point at `file:line`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from breach.errors import InputError, Problem, ValidationError

#: Our YAML files (profile, playbooks, regimes, answers, scenarios) are a few kB; 1 MB is generous.
MAX_YAML_BYTES = 1_000_000
#: Deeper nesting is a mistake or an attack; it would also hit Python's recursion limit.
MAX_DEPTH = 64
#: plain() gives up after this many values (only reachable with data not from our loader).
MAX_PLAIN_VALUES = 5_000_000


class LineDict(dict[Any, Any]):
    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


#: How validators report a problem: `bad(line, message)`.
Bad = Callable[[int | None, str], None]


class LineList(list[Any]):
    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def plain(value: Any) -> Any:
    """LineDict/LineList (and datetimes from YAML) -> plain dict/list/ISO strings, for storage and templates."""
    budget = [MAX_PLAIN_VALUES]
    return _plain(value, budget)


def _plain(value: Any, budget: list[int]) -> Any:
    from datetime import date, datetime

    budget[0] -= 1
    if budget[0] < 0:
        raise InputError(f"a value holds more than {MAX_PLAIN_VALUES:,} items; refusing to expand it")
    if isinstance(value, dict):
        return {k: _plain(v, budget) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, budget) for v in value]
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


# The C parser when available (about 8x faster on our files); marks and lines are the same.
class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _child(loader: LineLoader, node: yaml.Node, *, line: int) -> Any:
    """Construct one child node, refusing aliases (a node met twice) and deep nesting."""
    if node in loader.constructed_objects or node in loader.recursive_objects:
        raise ValidationError([Problem(
            loader.path, line,
            f"YAML alias of the value at line {node.start_mark.line + 1} is not accepted: "
            "anchors and aliases (&name, *name, <<) are refused, write the value out",
        )])
    depth = getattr(loader, "depth", 0)
    if depth >= MAX_DEPTH:
        raise ValidationError([Problem(loader.path, line, f"nested more than {MAX_DEPTH} levels deep")])
    loader.depth = depth + 1
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.depth = depth


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> LineDict:
    if any(key_node.tag == "tag:yaml.org,2002:merge" for key_node, _ in node.value):
        line = next(k.start_mark.line + 1 for k, _ in node.value if k.tag == "tag:yaml.org,2002:merge")
        raise ValidationError([Problem(loader.path, line, "YAML merge keys (<<) are refused, write the keys out")])
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            kind = "list" if isinstance(key_node, yaml.SequenceNode) else "mapping"
            loader.problems.append(Problem(loader.path, line, f"a key must be text or a number, not a {kind}"))
            continue
        key = _child(loader, key_node, line=line)
        if key in out.key_lines:
            loader.problems.append(
                Problem(loader.path, line, f"duplicate key {key!r} (first at line {out.key_lines[key]})")
            )
            continue
        out[key] = _child(loader, value_node, line=line)
        out.key_lines[key] = line
    return out


def _construct_sequence(loader: LineLoader, node: yaml.SequenceNode) -> LineList:
    # An alias item's mark is its anchor's (earlier) line: the sequence's own line is nearer the alias.
    out = LineList(_child(loader, child, line=max(child.start_mark.line, node.start_mark.line) + 1)
                   for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


def _construct_timestamp(loader: LineLoader, node: yaml.ScalarNode) -> Any:
    """An unquoted date or time; an impossible one (2026-13-45) is a problem on its line, not a crash."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as exc:
        raise ValidationError([Problem(loader.path, node.start_mark.line + 1,
                                       f"{str(node.value)[:40]!r} is not a real date or time ({exc})")]) from None


LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def loads_yaml(text: str, *, path: str = "<string>") -> Any:
    """Parse YAML text; raise ValidationError (with lines) on syntax errors or duplicate keys."""
    if len(text) > MAX_YAML_BYTES:  # characters; load_yaml checks the bytes
        raise ValidationError([Problem(path, None, f"larger than the {MAX_YAML_BYTES:,}-byte limit for YAML files")])
    loader = LineLoader(text)
    loader.path = path
    loader.problems = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ValidationError([Problem(path, line, f"YAML syntax: {exc.problem or exc}")]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses: name its line, on one line
        line = text[: exc.position].count("\n") + 1
        character = exc.character if isinstance(exc.character, int) else ord(exc.character or "\0")
        raise ValidationError([Problem(path, line, f"YAML refuses the character U+{character:04X} "
                                                   "(control characters are not allowed)")]) from None
    except yaml.YAMLError as exc:
        raise ValidationError([Problem(path, None, f"YAML: {exc}")]) from None
    except RecursionError:
        raise ValidationError([Problem(path, None, f"nested more than {MAX_DEPTH} levels deep")]) from None
    finally:
        loader.dispose()
    if loader.problems:
        raise ValidationError(loader.problems)
    return data


def decode_utf8(data: bytes, *, path: str) -> str:
    """UTF-8 (a leading BOM allowed) or a ValidationError naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError([Problem(
            path, line, f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        )]) from None
