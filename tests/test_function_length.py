"""No function or method in breach/core and breach/services is over 60 lines (issue 21).

Measured with `ast`: from the `def` line to the function's last line (end_lineno - lineno + 1),
decorators not counted; a nested function is measured on its own as well as inside its parent.
"""

from __future__ import annotations

import ast
from pathlib import Path

BREACH = Path(__file__).resolve().parent.parent / "breach"
LIMIT = 60


def long_functions(root: Path) -> list[str]:
    """'path:line name (N lines)' for every function under root over LIMIT lines."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > LIMIT:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_the_measure_counts_from_def_to_the_last_line(tmp_path: Path) -> None:
    lines = [f"x{i} = {i}" for i in range(LIMIT - 1)]
    code = tmp_path / "pkg"
    code.mkdir()
    (code / "ok.py").write_text("@staticmethod\ndef ok():\n" + "".join(f"    {x}\n" for x in lines))  # 60 lines
    (code / "long.py").write_text(
        "class C:\n    async def long(self):\n" + "".join(f"        {x}\n" for x in lines) + "        return 1\n"
    )  # 61 lines
    assert long_functions(code) == ["pkg/long.py:2 long (61 lines)"]


def test_no_function_over_60_lines_in_core_and_services() -> None:
    found = long_functions(BREACH / "core") + long_functions(BREACH / "services")
    assert not found, f"functions over {LIMIT} lines (split them into named helpers):\n" + "\n".join(found)
