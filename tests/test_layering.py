"""Domain apps depend downward only: core ← access ← directory ← staff ← scheduling.

Front ends (api, web, transfer, demo, and later scim and fhir) sit on top and may import any
domain app; a domain app importing one above it (even inside a function) is the start of rules
drifting into the wrong place, so the import graph is checked here.
"""

import ast
from pathlib import Path

import clinicorg

ORDER = ["core", "access", "directory", "staff", "scheduling"]
SRC = Path(clinicorg.__file__).parent


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def test_domain_apps_import_only_apps_below_them():
    upward = []
    for rank, app in enumerate(ORDER):
        folder = SRC / app
        if not folder.exists():
            continue
        above = {f"clinicorg.{a}" for a in ORDER[rank + 1 :]} | {
            f"clinicorg.{a}" for a in ("api", "web", "transfer", "demo", "scim", "fhir")
        }
        for path in folder.rglob("*.py"):
            for line, module in _imports(path):
                if any(module == a or module.startswith(a + ".") for a in above):
                    upward.append(f"{path.relative_to(SRC)}:{line} imports {module}")
    assert upward == []


def test_the_check_sees_the_imports_it_looks_for(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from clinicorg.staff.models import StaffMember\n")
    assert list(_imports(sample)) == [(2, "clinicorg.staff.models")]
