"""Issue 21, "types at every boundary": the services' public functions name what they take and return.

A public function (no leading underscore, at module level or on a public class) in breach/services
may not have `dict[str, Any]` or a bare `dict` in its annotations: it takes and returns a TypedDict
named for what it is (RegisterRow, DrillResult, ...) or a frozen dataclass. Read with ast over the
source, so nothing is imported. NOT_YET_TYPED lists the functions still to convert: it may only
shrink (a listed function that is now typed fails the test until it is removed from the list).
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parent.parent / "breach" / "services"

NOT_YET_TYPED: set[str] = set()  # every public service function is typed (issue 21)


def _untyped(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    text = ast.unparse(annotation).replace(" ", "")
    if "dict[str,Any]" in text:
        return True
    return any(isinstance(node, ast.Name) and node.id == "dict" and not _subscripted(node, annotation)
               for node in ast.walk(annotation))


def _subscripted(name: ast.Name, tree: ast.expr) -> bool:
    return any(isinstance(node, ast.Subscript) and node.value is name for node in ast.walk(tree))


def _public_functions(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            yield node.name, node
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and not item.name.startswith("_"):
                    yield f"{node.name}.{item.name}", item


def _offenders() -> set[str]:
    found = set()
    for path in sorted(SERVICES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, fn in _public_functions(tree):
            args = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
            annotations = [a.annotation for a in args] + [fn.returns]
            if any(_untyped(a) for a in annotations):
                found.add(f"{path.stem}.{name}")
    return found


def test_the_check_sees_an_untyped_signature():
    tree = ast.parse("def rows(x: dict) -> list[dict[str, Any]]: ...\ndef ok(x: dict[str, int]) -> Row: ...")
    fns = dict(_public_functions(tree))
    assert _untyped(fns["rows"].returns) and _untyped(fns["rows"].args.args[0].annotation)
    assert not _untyped(fns["ok"].returns) and not _untyped(fns["ok"].args.args[0].annotation)


def test_no_new_public_service_signature_uses_dict_str_any():
    new = _offenders() - NOT_YET_TYPED
    assert not new, f"name the shape with a TypedDict or a frozen dataclass: {sorted(new)}"


def test_the_list_of_functions_still_to_type_only_shrinks():
    done = NOT_YET_TYPED - _offenders()
    assert not done, f"now typed: remove from NOT_YET_TYPED in {__file__}: {sorted(done)}"


def test_the_register_and_drill_are_typed():
    assert not {"register.register_rows", "register.register_row", "register.format_register",
                "register.export_incident", "drill.run_drill", "drill.load_scenario"} & _offenders()


def test_the_read_side_and_the_notices_recorded_are_typed():
    """views, status, projection, notifications, obligations, the review site and Word drafts: none left."""
    modules = ("views.", "status.", "projection.", "notifications.", "obligations.", "review_site.", "word.")
    assert not {name for name in _offenders() | NOT_YET_TYPED if name.startswith(modules)}
