"""Counts the function-level imports of application code (README, "Layers").

    .venv/bin/python scripts/import_report.py [--list]

A function-level import that exists only to dodge an import cycle is a sign the floors
are wrong; the few left are Django's app-registry idiom (an AppConfig.ready() importing
its receivers and admin, which need the models loaded). Cycles themselves are refused by
`lint-imports` (the acyclic_siblings contract in pyproject.toml).
"""

import ast
import sys
from pathlib import Path

APPS = ("aftersales", "tickets", "technicians", "parts", "audits")
ROOT = Path(__file__).resolve().parents[1]


def function_level_imports():
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] not in APPS or "migrations" in relative.parts:
            continue
        app = relative.parts[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    module = app if inner.level else inner.module or ""
                elif isinstance(inner, ast.Import):
                    module = inner.names[0].name
                else:
                    continue
                if module.split(".")[0] in APPS:
                    yield relative, inner.lineno, module, module.split(".")[0] != app


def main():
    rows = list(function_level_imports())
    if "--list" in sys.argv:
        for path, line, module, across in rows:
            print(f"{path}:{line} {module}{'  (across apps)' if across else ''}")
    across = sum(1 for *_rest, is_across in rows if is_across)
    print(f"function-level imports of application code: {len(rows)}, across apps: {across}")


if __name__ == "__main__":
    main()
