"""Mutation testing by hand (not run in CI): do the given tests notice a changed module?

Usage::

    python .ci/mutation.py ledger/draw.py tests/unit/test_draw.py tests/unit/test_draw_vectors.py
    python .ci/mutation.py --list ledger/merkle.py            # the mutants, nothing run

Standard library only. The module is parsed with :mod:`ast`; each mutant is one change:

* comparison flips: ``<`` to ``<=`` and ``>=``, ``<=`` to ``<`` and ``>``, and so on;
  ``==``/``!=``, ``is``/``is not``, ``in``/``not in`` swapped;
* arithmetic: ``+``/``-`` swapped, ``*`` to ``//``, ``//`` to ``*``, ``%`` to ``//``,
  ``/`` to ``*``, ``**`` to ``*``, ``<<``/``>>``, ``&``/``|`` swapped, ``^`` to ``|``
  (also in ``+=`` and the like); unary minus removed;
* constants: an integer ``n`` to ``n + 1`` and ``n - 1``; ``True``/``False`` swapped; a short
  string or bytes constant (at most 32 characters, docstrings left alone) to another;
* ``and``/``or`` swapped; ``not`` removed;
* a statement in a function body replaced by ``pass``; ``return x`` to ``return None``.

Annotations and ``__all__`` are not mutated. A mutant whose source equals the original's or
an earlier mutant's is dropped; one that does not compile is skipped and counted.

Each mutant is written over the module in a temporary copy of the repository (one copy per
worker, ``--jobs`` of them, 2 by default); the working tree is never written to. The tests
run there as ``python -m pytest -x -q -p no:cacheprovider TESTS`` with a per-mutant timeout
(``--timeout``, by default three times the unmutated run plus ten seconds). A failing run
kills the mutant; a passing one lets it survive; a run over the timeout is reported apart
(and counted as killed: an endless loop is noticed too). The unmutated tests must pass
first.

Speed: by default pytest runs without entry-point plugins (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``;
schemathesis' plugin alone costs over two seconds a start), hypothesis' plugin loaded by name
with a fixed seed so that a run is reproducible; ``--all-plugins`` keeps every plugin.
Bytecode caching is off, so a mutant of the same size written in the same second as the
previous one can never be run from a stale ``.pyc``.

Known equivalent mutants (no test can tell them apart from the original) are listed in
``.ci/mutation-equivalent.txt`` as ``path:line:col mutation  # why``; a survivor found there is
reported as equivalent and left out of the adjusted score.
"""

from __future__ import annotations

import argparse
import ast
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT_FILE = ROOT / ".ci" / "mutation-equivalent.txt"
IGNORED = shutil.ignore_patterns(
    ".git", "__pycache__", ".hypothesis", ".pytest_cache", ".mypy_cache", ".ruff_cache", "var",
    "build", "dist", "*.egg-info", "out",
)  # fmt: skip
SHORT_STRING = 32

COMPARE_FLIPS: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Div: ast.Mult,
    ast.Pow: ast.Mult,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.BitXor: ast.BitOr,
}
SYMBOL = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Mod: "%", ast.Div: "/",
    ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|",
    ast.BitXor: "^", ast.And: "and", ast.Or: "or",
}  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    line: int
    col: int
    description: str
    source: str

    @property
    def key(self) -> str:
        return f"{self.line}:{self.col} {self.description}"


# --- generating mutants ---------------------------------------------------------------------

# Applied to the node (found by its place in ast.walk order) in a fresh tree; a returned
# node takes the edited node's place in its parent.
Edit = Callable[[ast.AST], ast.AST | None]


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes never mutated: annotations, docstrings, ``__all__``."""
    skip: set[int] = set()

    def drop(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            drop(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            drop(node.returns)
        elif isinstance(node, ast.AnnAssign):
            drop(node.annotation)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            drop(node)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                drop(body[0])
    return skip


def _function_statements(tree: ast.Module) -> set[int]:
    """ids of statements inside a function body (at any depth of blocks)."""
    inside: set[int] = set()
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(func):
                if node is not func and isinstance(node, ast.stmt):
                    inside.add(id(node))
    return inside


def _other_string(value: str | bytes) -> str | bytes:
    if isinstance(value, bytes):
        return b"XX" + value + b"XX" if value else b"XX"
    return "XX" + value + "XX" if value else "XX"


def _edits(node: ast.AST, skip: set[int], body_stmts: set[int]) -> Iterator[tuple[str, Edit]]:
    """(description, edit) for every mutation of this one node."""
    if id(node) in skip:
        return
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for flipped in COMPARE_FLIPS.get(type(op), ()):
                which = f" (comparison {i + 1} of {len(node.ops)})" if len(node.ops) > 1 else ""
                yield (
                    f"`{SYMBOL[type(op)]}` -> `{SYMBOL[flipped]}`{which}",
                    partial(_set_comparison, index=i, op=flipped),
                )
    elif isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in BINOP_SWAPS:
        old, swapped = type(node.op), BINOP_SWAPS[type(node.op)]
        suffix = "=" if isinstance(node, ast.AugAssign) else ""
        yield (
            f"`{SYMBOL[old]}{suffix}` -> `{SYMBOL[swapped]}{suffix}`",
            partial(_set_operator, op=swapped),
        )
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        yield f"`{SYMBOL[type(node.op)]}` -> `{SYMBOL[other]}`", partial(_set_operator, op=other)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        yield ("`not` removed" if isinstance(node.op, ast.Not) else "unary `-` removed"), _unwrap
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            yield f"`{value}` -> `{not value}`", partial(_set_value, value=not value)
        elif isinstance(value, int):
            for delta in (1, -1):
                yield f"`{value}` -> `{value + delta}`", partial(_set_value, value=value + delta)
        elif isinstance(value, str | bytes) and len(value) <= SHORT_STRING:
            other_value = _other_string(value)
            yield f"`{value!r}` -> `{other_value!r}`", partial(_set_value, value=other_value)
    if isinstance(node, ast.Return) and not (
        node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None)
    ):
        yield "return value -> `None`", _return_none
    if id(node) in body_stmts and not isinstance(node, ast.Pass):
        yield f"`{type(node).__name__}` statement -> `pass`", _to_pass


def _set_comparison(node: ast.AST, index: int, op: type[ast.cmpop]) -> None:
    assert isinstance(node, ast.Compare)
    node.ops[index] = op()


def _set_operator(node: ast.AST, op: type[ast.operator] | type[ast.boolop]) -> None:
    assert isinstance(node, ast.BinOp | ast.AugAssign | ast.BoolOp)
    node.op = op()


def _set_value(node: ast.AST, value: str | bytes | int) -> None:
    assert isinstance(node, ast.Constant)
    node.value = value


def _return_none(node: ast.AST) -> None:
    assert isinstance(node, ast.Return)
    node.value = ast.Constant(None)


def _unwrap(node: ast.AST) -> ast.AST:
    """A unary operation's operand, to stand in its place."""
    assert isinstance(node, ast.UnaryOp)
    return node.operand


def _to_pass(node: ast.AST) -> ast.AST:
    """``pass`` to stand in a statement's place."""
    return ast.copy_location(ast.Pass(), node)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Put ``new`` where ``old`` is in ``tree``."""
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list) and any(v is old for v in value):
                value[next(i for i, v in enumerate(value) if v is old)] = new
                return
    raise LookupError("node not found in its tree")


def mutants(source: str) -> tuple[list[Mutant], int]:
    """Every distinct mutant of ``source``, and how many did not compile."""
    tree = ast.parse(source)
    original = ast.unparse(tree)
    skip, body_stmts = _skipped_nodes(tree), _function_statements(tree)
    found: list[Mutant] = []
    seen = {original}
    broken = 0
    for index, node in enumerate(ast.walk(tree)):
        for description, edit in _edits(node, skip, body_stmts):
            fresh = ast.parse(source)
            target = next(n for i, n in enumerate(ast.walk(fresh)) if i == index)
            line, col = getattr(target, "lineno", 0), getattr(target, "col_offset", 0)
            replacement = edit(target)
            if replacement is not None:
                _replace(fresh, target, replacement)
            try:
                text = ast.unparse(ast.fix_missing_locations(fresh))
                compile(text, "<mutant>", "exec")
            except (SyntaxError, ValueError, TypeError, AttributeError):
                broken += 1
                continue
            if text in seen:
                continue
            seen.add(text)
            found.append(Mutant(line, col, description, text))
    found.sort(key=lambda m: (m.line, m.col))
    return found, broken


# --- running them -----------------------------------------------------------------------------


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | timeout
    seconds: float


@dataclass
class Workspace:
    """A temporary copy of the repository where one worker writes its mutants."""

    path: Path
    module: Path
    command: list[str]
    env: dict[str, str]
    timeout: float = 0.0
    log: list[str] = field(default_factory=list)

    def run(self, timeout: float | None) -> tuple[str, float, str]:
        started = time.monotonic()
        shutil.rmtree(self.path / ".hypothesis", ignore_errors=True)
        process = subprocess.Popen(
            self.command,
            cwd=self.path,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return "timeout", time.monotonic() - started, ""
        status = "survived" if process.returncode == 0 else "killed"
        if process.returncode not in (0, 1):
            status = f"killed (pytest exit {process.returncode})"
        return status, time.monotonic() - started, output


def make_workspace(base: Path, module: str, tests: list[str], all_plugins: bool) -> Workspace:
    copy_root = base / "repo"
    shutil.copytree(ROOT, copy_root, ignore=IGNORED, symlinks=True)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    if not all_plugins:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        command += ["-p", "_hypothesis_pytestplugin", "--hypothesis-seed=0"]
    return Workspace(copy_root, copy_root / module, [*command, *tests], env)


def check_imports_copy(space: Workspace, module: str) -> None:
    """The tests must import the module from the copy, not from an installed one."""
    dotted = module.removesuffix(".py").replace("/", ".")
    probe = f"import {dotted} as m; print(m.__file__)"
    found = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=space.path,
        env=space.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if Path(found).resolve() != space.module.resolve():
        sys.exit(f"mutation: {dotted} is imported from {found}, not from the copy")


def read_equivalents(module: str) -> dict[str, str]:
    """Known equivalent mutants of ``module``: key -> why."""
    known: dict[str, str] = {}
    if not EQUIVALENT_FILE.exists():
        return known
    for raw in EQUIVALENT_FILE.read_text(encoding="utf-8").splitlines():
        text, _, why = raw.partition("#")
        text = text.strip()
        if not text:
            continue
        path, _, rest = text.partition(":")
        if path == module:
            known[rest.strip()] = why.strip()
    return known


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("module", help="the module to mutate, e.g. ledger/draw.py")
    parser.add_argument("tests", nargs="*", help="test files run against each mutant")
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers (default 2)")
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default: measured)")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--line", type=int, action="append", help="only mutants on this line")
    parser.add_argument("--all-plugins", action="store_true", help="load every pytest plugin")
    args = parser.parse_args(argv)

    module = Path(args.module).as_posix()
    source = (ROOT / module).read_text(encoding="utf-8")
    found, broken = mutants(source)
    every_key = {m.key for m in found}
    if args.line:
        found = [m for m in found if m.line in args.line]
    lines = source.splitlines()

    def where(m: Mutant) -> str:
        text = lines[m.line - 1].strip() if 0 < m.line <= len(lines) else ""
        return f"{module}:{m.line}:{m.col}: {m.description}    | {text}"

    if args.list:
        for m in found:
            print(where(m))
        print(f"{len(found)} mutants ({broken} did not compile and are skipped)")
        return 0
    if not args.tests:
        parser.error("give the test files to run")

    equivalents = read_equivalents(module)
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    todo: queue.Queue[Mutant] = queue.Queue()
    for m in found:
        todo.put(m)
    jobs = max(1, min(args.jobs, len(found) or 1))
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        spaces = []
        for j in range(jobs):
            base = Path(tmp) / f"w{j}"
            base.mkdir()
            spaces.append(make_workspace(base, module, args.tests, args.all_plugins))
        check_imports_copy(spaces[0], module)
        status, seconds, output = spaces[0].run(None)
        if status != "survived":
            print(output, file=sys.stderr)
            sys.exit("mutation: the tests fail on the unmutated module; fix them first")
        timeout = args.timeout or 3 * seconds + 10
        print(
            f"{len(found)} mutants of {module} ({broken} did not compile, skipped); "
            f"unmutated run {seconds:.1f} s, timeout {timeout:.0f} s, {jobs} workers",
            file=sys.stderr,
        )

        def worker(space: Workspace) -> None:
            while True:
                try:
                    mutant = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    space.module.write_text(mutant.source, encoding="utf-8")
                    status, seconds, _ = space.run(timeout)
                finally:
                    space.module.write_text(source, encoding="utf-8")
                with lock:
                    outcomes.append(Outcome(mutant, status, seconds))
                    mark = {"survived": "S", "timeout": "T"}.get(status, ".")
                    print(mark, end="", flush=True, file=sys.stderr)

        threads = [threading.Thread(target=worker, args=(s,)) for s in spaces]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    print(file=sys.stderr)

    outcomes.sort(key=lambda o: (o.mutant.line, o.mutant.col, o.mutant.description))
    killed = [o for o in outcomes if o.status.startswith("killed")]
    timeouts = [o for o in outcomes if o.status == "timeout"]
    survived = [o for o in outcomes if o.status == "survived"]
    survivors = {o.mutant.key for o in survived}
    known = [o for o in survived if o.mutant.key in equivalents]
    unknown = [o for o in survived if o.mutant.key not in equivalents]
    for o in timeouts:
        print(f"TIMEOUT   {where(o.mutant)}")
    for o in known:
        print(f"EQUIVALENT {where(o.mutant)}  # {equivalents[o.mutant.key]}")
    for o in unknown:
        print(f"SURVIVED  {where(o.mutant)}")
    # Listed but no longer a mutant, or run here and killed: the list needs updating.
    ran = {o.mutant.key for o in outcomes}
    stale = {k for k in equivalents if k not in every_key or (k in ran and k not in survivors)}
    for key in sorted(stale):
        print(f"note: listed as equivalent but not a survivor now: {module}:{key}")
    total = len(outcomes)
    detected = len(killed) + len(timeouts)
    print(
        f"{module}: {total} mutants, {len(killed)} killed, {len(timeouts)} timeouts, "
        f"{len(survived)} survived ({len(known)} listed as equivalent), "
        f"{broken} did not compile"
    )
    if total:
        print(f"score: {100 * detected / total:.1f}% of all mutants", end="")
        if total - len(known):
            print(f", {100 * detected / (total - len(known)):.1f}% of non-equivalent ones")
        else:
            print()
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
