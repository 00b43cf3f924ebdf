"""Salesforce REST: sObject Collections upsert by external id (200 records max, allOrNone, per-record results)."""

from __future__ import annotations

import re
from typing import Iterator

import pytest

from tests.fakes.server import Answer, FakeServer, Request, bearer

TOKEN = "00Dfake!session-token"
UPSERT = re.compile(r"^/services/data/v\d+\.\d/composite/sobjects/(\w+)/(\w+)$")
REQUIRED_ON_CREATE = {"Account": ("Name",), "Lead": ("LastName", "Company"), "Contact": ("LastName",)}
PREFIX = {"Account": "001", "Lead": "00Q", "Contact": "003"}


class Salesforce:
    """``objects[sobject][external id]`` = stored fields; ``received`` = records as sent; ``reject`` = external
    ids to refuse per record; ``limit_exceeded(n)`` answers the next n calls with REQUEST_LIMIT_EXCEEDED."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, dict]] = {}
        self.received: list[tuple[str, dict]] = []
        self.reject: set[str] = set()
        self.server = FakeServer(self.handle)

    @property
    def calls(self) -> int:
        return len(self.server.requests)

    def limit_exceeded(self, times: int = 1) -> None:
        self.server.fail_next(403, times, body=[{"message": "TotalRequests Limit exceeded.",
                                                 "errorCode": "REQUEST_LIMIT_EXCEEDED"}])

    def handle(self, request: Request) -> Answer:
        if not bearer(request, TOKEN):
            return 401, {}, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        m = UPSERT.match(request.path)
        if request.method != "PATCH" or not m:
            return 404, {}, [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]
        sobject, external_id = m.groups()
        body = request.json()
        records = body.get("records", [])
        if len(records) > 200:
            return 400, {}, [{"message": "Maximum number of records is 200", "errorCode": "EXCEEDED_ID_LIMIT"}]
        if body.get("allOrNone") is not False:
            return 400, {}, [{"message": "this fake expects allOrNone false", "errorCode": "INVALID_FIELD"}]
        return 200, {}, [self.upsert(sobject, external_id, r) for r in records]

    def upsert(self, sobject: str, external_id: str, record: dict) -> dict:
        if record.get("attributes", {}).get("type") != sobject or not record.get(external_id):
            return {"success": False, "errors": [{"statusCode": "INVALID_FIELD", "message": "bad record",
                                                  "fields": [external_id]}]}
        key = record[external_id]
        table = self.objects.setdefault(sobject, {})
        if key in self.reject:
            return {"success": False, "errors": [{"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                                                  "message": "Rejected by a validation rule", "fields": []}]}
        new = key not in table
        missing = [f for f in REQUIRED_ON_CREATE.get(sobject, ()) if new and not record.get(f)]
        if missing:
            return {"success": False, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING",
                                                  "message": "Required fields are missing", "fields": missing}]}
        self.received.append((sobject, record))
        stored = table.setdefault(key, {"Id": f"{PREFIX.get(sobject, '0XX')}{len(table):012d}"})
        stored.update({k: v for k, v in record.items() if k != "attributes"})
        return {"id": stored["Id"], "success": True, "errors": [], "created": new}


@pytest.fixture
def salesforce() -> Iterator[Salesforce]:
    """A running fake Salesforce; SALESFORCE_INSTANCE_URL=.server.url, SALESFORCE_ACCESS_TOKEN=TOKEN."""
    fake = Salesforce()
    with fake.server:
        yield fake
