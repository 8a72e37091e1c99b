"""What tests and benchmarks share: the test world, the county, the one way to send a command.

Invariants (``tests/unit/test_test_imports.py`` checks them by reading the imports):

* Test modules import only ``tests.support.*`` and ``tests.vectors.*`` -- never another test
  module, never a ``conftest``; ``conftest.py`` files only define fixtures, built from here.
* ``bench/*.py`` import only ``tests.support.*`` and ``tests.vectors.testkeys``.
* This package imports nothing from a test module either: only itself and ``tests.vectors``.

The map:

``backends``  SQLite and PostgreSQL settings for a fresh ledger (PostgreSQL fails, not
              skips, when unreachable under ``CI=true``)
``actors``    :class:`~tests.support.actors.Actors`: names to keys, and ``run(who, action,
              on=day)``, the one way tests sign and run a command
``world``     a ledger with its genesis and a department key (:class:`World`)
``county``    the small test county built by commands (departments, lists, inspectors, people)
``draws``     the draw ceremony of a county task (witnesses, dice, the run)
``rawdb``     the database as an attacker sees it, for tamper tests
``api``       the Flask test client over a county, signing requests (RFC 9421)
``cli``       the ``shuangsui`` CLI through click's runner
``workers``   process entry points for the multi-process tests (importable by spawn)
``contract``  the chained recorder's contract, subclassed once per backend
"""
