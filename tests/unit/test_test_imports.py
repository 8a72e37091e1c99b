"""Tests never import each other: what they share lives in ``tests/support``.

Read from the source with ``ast`` (every import, at any depth, ``TYPE_CHECKING`` ones
included), so the rule cannot quietly regress:

* a test module imports from ``tests`` only ``tests.support.*`` and ``tests.vectors.*``;
* ``tests/support`` imports only itself and ``tests.vectors.*``; ``tests/vectors`` (golden
  data, fixed TEST-ONLY keys) only itself;
* a ``conftest.py`` only defines fixtures (and pytest hooks), and is imported by no one;
* ``bench/*.py`` import only ``tests.support.*`` and ``tests.vectors.testkeys``;
* no relative imports in ``tests/`` or ``bench/``: every import says where it comes from.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"


def imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) of every import; a relative one as its dots and name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if node.level == 0 and module == "tests":  # from tests import x: x is a module
                for alias in node.names:
                    yield node.lineno, f"tests.{alias.name}"
            else:
                yield node.lineno, module


def allowed(path: Path) -> tuple[str, ...]:
    """The ``tests`` packages ``path`` may import from."""
    if path.parent.name == "bench":
        return ("tests.support", "tests.vectors.testkeys")
    part = path.relative_to(TESTS).parts[0]
    if part == "vectors":
        return ("tests.vectors",)
    return ("tests.support", "tests.vectors")


def within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def sources() -> list[Path]:
    return sorted([*TESTS.rglob("*.py"), *(ROOT / "bench").glob("*.py")])


def problems(path: Path, source: str | None = None) -> list[str]:
    """What in ``path`` (or in ``source``, read as if it were ``path``) breaks the rule."""
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, str(path))
    where = path.relative_to(ROOT)
    found = []
    for line, module in imports(tree):
        if module.startswith("."):
            found.append(f"{where}:{line}: relative import {module!r}")
        elif module.split(".")[-1] == "conftest" or (
            within(module, ("tests",)) and not within(module, allowed(path))
        ):
            found.append(f"{where}:{line}: imports {module}")
    if path.name == "conftest.py":
        for node in tree.body:
            if isinstance(node, ast.Expr | ast.Import | ast.ImportFrom):
                continue
            if isinstance(node, ast.FunctionDef) and (
                node.name.startswith("pytest_") or any(fixture(d) for d in node.decorator_list)
            ):
                continue
            found.append(f"{where}:{node.lineno}: defines more than fixtures")
    return found


def fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target) == "pytest.fixture"


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_rule(path: Path) -> None:
    assert problems(path) == []


def test_the_check_sees_each_breach() -> None:
    """A check that sees nothing passes everything: each kind of breach must be reported."""
    module = TESTS / "integration" / "test_example.py"
    source = (
        "import tests.integration.test_draws\n"
        "from tests.conftest import World\n"
        "from tests import county\n"
        "from . import helpers\n"
        "def f():\n"
        "    from tests.api.test_flow import x\n"
        "from tests.support.world import World\n"
        "from tests.vectors.testkeys import fixed_key\n"
    )
    assert problems(module, source) == [
        "tests/integration/test_example.py:1: imports tests.integration.test_draws",
        "tests/integration/test_example.py:2: imports tests.conftest",
        "tests/integration/test_example.py:3: imports tests.county",
        "tests/integration/test_example.py:4: relative import '.'",
        "tests/integration/test_example.py:6: imports tests.api.test_flow",
    ]
    bench = ROOT / "bench" / "example.py"
    assert problems(bench, "from tests.vectors.generate import generate\n") == [
        "bench/example.py:1: imports tests.vectors.generate"
    ]
    assert problems(bench, "from tests.support.world import start_world\n") == []
    support = TESTS / "support" / "example.py"
    assert problems(support, "from tests.integration.test_draws import TASK\n") != []
    vectors = TESTS / "vectors" / "example.py"
    assert problems(vectors, "from tests.support.world import World\n") != []
    conftest = TESTS / "api" / "conftest.py"
    source = (
        "import pytest\n"
        "X = 1\n"
        "def helper():\n    pass\n"
        "@pytest.fixture\ndef made():\n    pass\n"
        "@pytest.fixture(name='n')\ndef named():\n    pass\n"
        "def pytest_configure(config):\n    pass\n"
    )
    assert problems(conftest, source) == [
        "tests/api/conftest.py:2: defines more than fixtures",
        "tests/api/conftest.py:3: defines more than fixtures",
    ]
