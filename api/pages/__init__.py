"""The pages people read (一公开): server-rendered HTML in the same service, Chinese first.

Jinja2 templates (``templates/``) and one stylesheet (``static/``), all served by the
service itself: no JavaScript framework, no CDN, nothing fetched from another host.
English is available with ``?lang=en`` (or the browser's Accept-Language), from the
gettext catalogue in ``translations/`` (:mod:`api.pages.i18n`).

``public`` holds the pages anyone may read (``record``: a published result behind its QR
code): the publication feed, an object's record, a
published result behind its QR code, the departments' item lists and plans, the draws and
the log's checkpoint, and the draw ceremony. ``session`` signs a key in (the browser
signs a challenge with the key file; writes stay signed request by request), and
``people`` holds the pages behind a role: trails, reviews, boards, the task ledger,
coverage, each exportable as CSV and XLSX (:mod:`api.exports`).
"""

from __future__ import annotations

from api.pages import people, public, record, session
from api.pages.base import bp

__all__ = ["bp", "people", "public", "record", "session"]
