"""A small client for the API that signs every request (RFC 9421) with a key file.

    from api.client import Client
    client = Client("http://127.0.0.1:8080", key=read_key_file("scjgj.key"))
    client.command("task.create", task="T-2026-001", ...)   # the route comes from the table
    client.get("/api/v1/deadlines", department="SCJGJ")

A client given ``receipts=Path(...)`` keeps the signed receipt of every command it
runs in that folder (``shuangsui verify --receipts`` checks them later); the last one
is also in ``client.last_receipt``.

On a provincial deployment the base URL may name a county by path
(``http://host/c/anyue``): the client then signs the path within the county (the
route), as the county's log stores it (:mod:`api.province`).

Public endpoints need no key. Errors come back as :class:`ApiError` carrying the
problem document (RFC 9457).
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import requests

from api.httpsig import sign_request
from ledger.audit.bundles import entry_row
from ledger.audit.report import ChainRow
from ledger.bootstrap import registry
from ledger.keys import SigningKey
from ledger.transparency.receipts import save_receipt


class ApiError(Exception):
    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('title')}: {problem.get('detail')}")
        self.status, self.problem = status, problem


def body_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Client:
    def __init__(
        self,
        base_url: str,
        key: SigningKey | None = None,
        *,
        timeout: float = 60,
        session: requests.Session | None = None,
        receipts: Path | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        #: ``/c/{county}`` when the base URL names a county of a provincial deployment.
        self.mount = _county_mount(self.base_url)
        self.receipts = receipts
        self.last_receipt: dict[str, Any] | None = None
        self.key = key
        self.timeout = timeout
        self.session = session or requests.Session()

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        params: dict[str, Any] | None = None,
        content_type: str = "application/json",
    ) -> requests.Response:
        """Send one request, signed when the client has a key."""
        headers = {"Content-Type": content_type} if body is not None else {}
        prepared = requests.Request(
            method.upper(),
            self.base_url + path,
            data=body,
            params={k: v for k, v in (params or {}).items() if v is not None},
            headers=headers,
        ).prepare()
        if self.key is not None:
            prepared.headers.update(
                sign_request(
                    self.key,
                    prepared.method or method,
                    self._signed_url(prepared.url or path),
                    body,
                    {k: str(v) for k, v in prepared.headers.items()},
                )
            )
        return self.session.send(prepared, timeout=self.timeout)

    def _signed_url(self, url: str) -> str:
        """The URL whose path is signed: behind ``/c/{county}`` the path within it."""
        if not self.mount:
            return url
        parts = urlsplit(url)
        if not parts.path.startswith(self.mount + "/"):
            return url
        return urlunsplit(parts._replace(path=parts.path[len(self.mount) :]))

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """JSON in, JSON (or text) out; raises :class:`ApiError` for a problem."""
        response = self.request(
            method,
            path,
            params=params,
            body=None
            if body is None and method.upper() == "GET"
            else body_bytes({} if body is None else body),
        )
        return self.result(response)

    @staticmethod
    def result(response: requests.Response) -> Any:
        kind = response.headers.get("Content-Type", "")
        if response.status_code >= 400:
            problem = (
                response.json()
                if "json" in kind
                else {"title": response.reason, "detail": response.text}
            )
            raise ApiError(response.status_code, problem)
        return response.json() if "json" in kind else response.text

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, **params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", path, body)

    def command(self, action: str, attachment: Any = None, **params: Any) -> Any:
        """Run a command by name: its route's path variables are taken from ``params``."""
        method, path, body = command_request(action, params, attachment)
        answer = self.call(method, path, body)
        receipt = answer.get("receipt") if isinstance(answer, dict) else None
        if isinstance(receipt, dict):
            self.last_receipt = receipt
            if self.receipts is not None:
                save_receipt(self.receipts, receipt)
        return answer


class LogSource:
    """A running service's transparency log, as a monitor reads it
    (:class:`ledger.transparency.monitor.Source`): the latest checkpoint and
    consistency proofs, both public, and the entries (a signed read)."""

    def __init__(self, client: Client, reader: Client | None = None) -> None:
        self.client = client
        #: Signs the entries reads (the public reads go unsigned through ``client``).
        self.reader = reader or client
        self.name = client.base_url

    def checkpoint(self) -> str:
        return str(self.client.get("/api/v1/checkpoint"))

    def consistency(self, old: int, new: int) -> list[bytes]:
        if old == 0 or old == new:
            return []  # RFC 9162: nothing to prove from the empty tree or to itself
        answer = self.client.get("/api/v1/proofs/consistency", old=old, new=new)
        proof = answer.get("proof") if isinstance(answer, dict) else None
        if not isinstance(proof, list) or not all(isinstance(h, str) for h in proof):
            # A ValueError: the monitor then settles consistency from the entries.
            raise ValueError("the service's consistency answer holds no proof")
        return [base64.b64decode(h, validate=True) for h in proof]

    def entries(self, after: int, limit: int) -> list[ChainRow]:
        """The entries after ``after`` (a signed read: the client's key must hold an
        oversight role), as the service serves them; a malformed line raises
        :class:`~ledger.audit.errors.BundleError`."""
        answer = self.reader.get("/api/v1/log/entries", after=after, limit=limit)
        items = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise ValueError("the service's /api/v1/log/entries answer holds no items")
        return [entry_row(line) for line in items]


def _county_mount(base_url: str) -> str:
    """``/c/{county}`` if the base URL's path is a county's mount point, else ""."""
    path = urlsplit(base_url).path.rstrip("/")
    return path if re.fullmatch(r"/c/[a-z][a-z0-9_]{0,29}", path) else ""


def command_request(
    action: str, params: dict[str, Any], attachment: Any = None
) -> tuple[str, str, dict[str, Any]]:
    """(method, path, body) of the route that runs ``action`` (its typed command's
    route): path variables come from ``params``, the rest is the body, plus the
    attachment in the route's attachment field (the rows of an import batch)."""
    command = registry().get(action)
    route = command.ROUTE if command is not None else None
    if route is None:
        raise ValueError(f"no API route for {action!r}")
    names = re.findall(r"\{(\w+)(?::int)?\}", route.path)
    missing = [n for n in names if n not in params]
    if missing:
        raise ValueError(f"{action} needs {', '.join(missing)}")
    path = re.sub(
        r"\{(\w+)(?::int)?\}", lambda m: quote(str(params[m.group(1)]), safe=""), route.path
    )
    body = {k: v for k, v in params.items() if k not in names}
    if route.attachment and attachment is not None:
        body[route.attachment] = attachment
    return route.method, path, body
