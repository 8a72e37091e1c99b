"""The pages people read (一公开): server-rendered HTML in the same service, Chinese first.

Jinja2 templates (``templates/``) and one stylesheet (``static/``), all served by the
service itself: no JavaScript framework, no CDN, nothing fetched from another host.
English is available with ``?lang=en`` (or the browser's Accept-Language), from the
gettext catalogue in ``translations/`` (:mod:`api.pages.i18n`).

``public`` holds the pages anyone may read: the publication feed, an object's record, a
published result behind its QR code, the departments' item lists and plans, the draws and
the log's checkpoint.
"""

from __future__ import annotations

from api.pages import public
from api.pages.base import bp

__all__ = ["bp", "public"]
