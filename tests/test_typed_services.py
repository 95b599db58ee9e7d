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

NOT_YET_TYPED: set[str] = {
    # came in through work merged beside the typing (customers, answers checks, US state letters):
    "assessment.check_consistent", "customers.notify", "customers.overview", "customers.record_affected",
    "customers.record_notices", "customers.record_one", "customers.record_run", "customers.status_lines",
    "notices.us_law_for",
    "assessment.assess", "assessment.confirm_override", "assessment.finish", "assessment.known_defaults",
    "assessment.known_facts", "assessment.load_answers_file", "assessment.one_role", "assessment.previous_answers",
    "assessment.session_defaults", "assessment.tasks", "assessment.update_task", "closure.describe_items",
    "closure.open_items",
    "decisions.decide", "incidents.edit_incident", "incidents.event_dict", "incidents.incident_dict",
    "notices.check_intact", "notices.create_draft", "notices.draft_path",
    "notices.drafts_section", "notices.find_draft", "notices.require_approved", "notices.review_act",
    "notices.review_rows", "notifications.record_notification", "notifications.retract_notification",
    "obligations.advisories_section", "obligations.mark", "obligations.obligations_section",
    "obligations.preview_lines", "obligations.replace_preview", "obligations.set_scope", "projection.build",
    "projection.incident_projections", "projection.obligation_rows", "report.render_report", "report.report_data",
    "report.write_report", "review_site.ReviewSite.page", "review_site.draft_view", "review_site.incident_rows",
    "session.Session.org", "session.Session.pushed_org", "session.init_home", "status.incident_list",
    "status.status_rows", "views.assessment_dict", "views.incident_view", "views.render_view", "views.task_dict",
    "word.create_docx_draft", "word.import_draft",
}


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
