"""The layering rules of docs/architecture.md, checked on the source.

Page views and API views only call services, selectors and permissions: they never query the ORM, and
never combine permission predicates into a rule of their own (that rule belongs in permissions.py).
Templates get permission flags from their view or a context processor, never `user.is_staff`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("dx_platform", "assessments", "benchmarks", "community", "coordination")

# QuerySet and model-instance methods that read or write the database (dict.get and friends are not here).
ORM_METHODS = {
    "all",
    "filter",
    "exclude",
    "order_by",
    "annotate",
    "aggregate",
    "alias",
    "values_list",
    "select_related",
    "prefetch_related",
    "select_for_update",
    "only",
    "defer",
    "distinct",
    "first",
    "last",
    "exists",
    "in_bulk",
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "update",
    "delete",
    "save",
    "refresh_from_db",
}
# A dict's .values() looks like a queryset's; the queryset's is the one that names its fields.
ORM_METHODS_WITH_ARGUMENTS = {"values"}
# Predicates that only permissions.py composes into rules.
PERMISSION_INTERNALS = {"access_of", "is_platform_staff", "role_in", "coordinates"}


def _view_modules() -> list[Path]:
    modules = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            in_api = "api" in parts[:-1] and path.name not in ("serializers.py", "urls.py", "__init__.py")
            in_views = path.name == "views.py" or "views" in parts[:-1]
            if (in_api or in_views) and "serializers" not in parts:
                modules.append(path)
    return modules


VIEW_MODULES = _view_modules()


def _is_permission_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "permissions"
    )


def _mentions_permissions(node: ast.AST) -> bool:
    return any(_is_permission_call(child) for child in ast.walk(node))


def problems_in(source: str) -> list[str]:
    """What in a view module breaks the layering, with line numbers."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            found.append((line, f"{line}: .objects (a model manager)"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and (node.func.attr in ORM_METHODS or (node.func.attr in ORM_METHODS_WITH_ARGUMENTS and node.args))
        ):
            found.append((line, f"{line}: .{node.func.attr}() (the ORM)"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            first = node.args[0] if node.args else None
            if name in ("get_object_or_404", "get_list_or_404") and isinstance(first, ast.Name):
                found.append((line, f"{line}: {name}({first.id}, …) on a model, not a selector's queryset"))
            if name in PERMISSION_INTERNALS:
                found.append((line, f"{line}: {name}() outside permissions.py"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if _is_permission_call(node) and node.func.attr in PERMISSION_INTERNALS:
                found.append((line, f"{line}: permissions.{node.func.attr}() outside permissions.py"))
        if isinstance(node, ast.BoolOp) and sum(_mentions_permissions(value) for value in node.values) > 1:
            found.append((line, f"{line}: permission predicates combined into a rule"))
    return [problem for _line, problem in sorted(found)]


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_views_only_call_services_selectors_and_permissions(path):
    assert problems_in(path.read_text()) == []


def test_the_check_finds_what_it_forbids():
    source = """
def view(request):
    a = Prefecture.objects.all()
    b = selectors.cases(user=request.user).filter(pk=1)
    c = get_object_or_404(Prefecture, pk=1)
    d = permissions.is_platform_staff(request.user) or 1 in permissions.access_of(request.user).ids
    e = get_object_or_404(selectors.cases(user=request.user), pk=1)
    f = request.GET.get("year")
    g = [error for errors in form.errors.values() for error in errors]
    h = Kpi.objects.values("pk")
"""
    assert [problem.split(":")[0] for problem in problems_in(source)] == ["3", "3", "4", "5", "6", "6", "6", "10", "10"]


def test_every_app_has_view_modules_to_check():
    checked = {path.relative_to(ROOT).parts[0] for path in VIEW_MODULES}
    assert checked == set(APPS)


def test_no_template_reads_is_staff():
    readers = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\bis_staff\b", line)
    ]
    assert readers == []


# What may import what: each app builds only on those before it. benchmarks' municipality page shows the
# live layer (a confirmed self-assessment scored against the published scores) through assessments'
# selector — the one import from a later app, and only from an interface module.
MAY_IMPORT = {
    "dx_platform": set(),
    "benchmarks": {"dx_platform"},
    "assessments": {"dx_platform", "benchmarks"},
    "community": {"dx_platform", "benchmarks"},
    "coordination": {"dx_platform", "benchmarks", "assessments", "community"},
}
ALLOWED_EXCEPTIONS = {("benchmarks/views", "assessments.selectors")}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Top-level project modules imported by the file, outside `if TYPE_CHECKING:` blocks."""
    tree = ast.parse(path.read_text())
    type_only = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for child in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return [(line, module) for line, module in found if module.split(".")[0] in MAY_IMPORT]


def test_apps_import_only_the_apps_they_build_on():
    wrong = []
    for app, allowed in MAY_IMPORT.items():
        for path in sorted((ROOT / app).rglob("*.py")):
            where = str(path.relative_to(ROOT).with_suffix(""))
            for line, module in _imports(path):
                target = module.split(".")[0]
                exception = any(where.startswith(w) and module.startswith(m) for w, m in ALLOWED_EXCEPTIONS)
                if target != app and target not in allowed and not exception:
                    wrong.append(f"{where}.py:{line} imports {module}")
    assert wrong == []


def test_imports_stand_at_the_top_unless_a_comment_says_why():
    """A function-level import is for a cycle or a heavy library only one path needs, and says so; an
    AppConfig.ready() imports late by Django's rule."""
    unexplained = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or path.name == "apps.py":
                continue
            lines = path.read_text().splitlines()
            for node in ast.walk(ast.parse("\n".join(lines))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        line, above = lines[inner.lineno - 1], lines[inner.lineno - 2].strip()
                        if "#" not in line and not above.startswith("#"):
                            unexplained.append(f"{path.relative_to(ROOT)}:{inner.lineno}: {line.strip()}")
    assert unexplained == []
