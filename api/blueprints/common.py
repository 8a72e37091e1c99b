"""What every blueprint's views share: the service, the projections of this request
(and the departments' and items' names the responses show beside codes), the day to
judge deadlines by, and the access mark the gate reads."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from flask import current_app, g, request

from api.service import Service
from projections import read

PUBLIC = "public"
#: Path integers: at most nine digits (the route table's own bound), so nothing larger
#: ever reaches a database column.
INT = "int(max=999999999)"
#: The subject of a trail or a review.
KIND = "<any(object, task, person, department):kind>"


def service() -> Service:
    found: Service = current_app.extensions["shuangsui"]
    return found


def access(roles: frozenset[str] | str) -> Any:
    """Mark a view with the roles that may read it (the gate in :mod:`api.blueprints`)."""

    def mark(fn: Any) -> Any:
        fn.access = roles
        return fn

    return mark


def store() -> Any:
    """The projections, brought up to date once per request (a read sees its writes);
    the connection is borrowed for the request and given back by :func:`teardown`."""
    if "projections" not in g:
        g.store = service().acquire()
        g.projections = service().catch_up(g.store).db
        g.projection_position = g.store.position()
        # The names a response shows beside its codes (api.schemas.Response), read at
        # most once per request and only if a response asks.
        g.names_of = functools.cache(functools.partial(read.names.names, g.projections))
    return g.projections


#: The response header that names the log position a read's projections reflect.
POSITION_HEADER = "X-Projection-Position"


def mark_position(response: Any) -> Any:
    """After a read from the projections: say which log position they reflect
    (issue 11, part 7), so a client knows how fresh what it read is."""
    position = g.get("projection_position")
    if position is not None:
        response.headers[POSITION_HEADER] = str(position)
    return response


def teardown(_exc: BaseException | None) -> None:
    """After every request: give back the projection connection it borrowed."""
    borrowed = g.pop("store", None)
    if borrowed is not None:
        service().release(borrowed)


def today() -> dt.date:
    return read.deadlines.as_of(request.args.get("today"))


def consistency_sizes() -> list[int]:
    """The request's ``?consistency_from=N`` (repeatable): sizes of checkpoints the
    auditor trusts, for a slice to carry consistency proofs from (a page's bundle; the
    API's routes take them through their query schema)."""
    from ledger.errors import ValidationError
    from ledger.i18n import _

    sizes = []
    for value in request.args.getlist("consistency_from"):
        if not value.isdigit() or not 1 <= int(value) <= 2**62:
            raise ValidationError(
                _("consistency_from={value} is not a checkpoint size", value=value)
            )
        sizes.append(int(value))
    return sizes
