"""HubSpot CRM v3: batch upsert of companies and contacts (100 inputs max, unique idProperty), properties API."""

from __future__ import annotations

import re
from typing import Iterator

import pytest

from tests.fakes.server import Answer, FakeServer, Request, bearer

TOKEN = "pat-na1-fake-token"
STANDARD = {"companies": {"name", "domain"}, "contacts": {"email", "jobtitle", "company", "firstname", "lastname"}}
UPSERT = re.compile(r"^/crm/v3/objects/(companies|contacts)/batch/upsert$")
PROPERTIES = re.compile(r"^/crm/v3/properties/(companies|contacts)(/groups)?$")


def error(status: int, category: str, message: str) -> Answer:
    return status, {}, {"status": "error", "category": category, "message": message}


class HubSpot:
    """``objects[obj][id value]`` = stored properties; ``upserts`` = every input received; ``reject`` = id
    values to refuse per record (a 207); ``calls`` = requests made."""

    def __init__(self) -> None:
        self.properties: dict[str, dict[str, dict]] = {"companies": {}, "contacts": {"email": {"hasUniqueValue": True}}}
        self.objects: dict[str, dict[str, dict]] = {"companies": {}, "contacts": {}}
        self.upserts: list[tuple[str, dict]] = []
        self.reject: set[str] = set()
        self.echo_trace_ids = True  # False: answer like an API version that does not echo objectWriteTraceId
        self.server = FakeServer(self.handle)
        self.next_id = 1000

    @property
    def calls(self) -> int:
        return len(self.server.requests)

    def handle(self, request: Request) -> Answer:
        if not bearer(request, TOKEN):
            return error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
        if m := PROPERTIES.match(request.path):
            return self.create_property(m.group(1), bool(m.group(2)), request.json())
        if m := UPSERT.match(request.path):
            return self.upsert(m.group(1), request.json())
        return error(404, "OBJECT_NOT_FOUND", f"no route {request.method} {request.path}")

    def create_property(self, obj: str, group: bool, body: dict) -> Answer:
        known = self.properties[obj] if not group else self.properties.setdefault(f"{obj}/groups", {})
        if body["name"] in known:
            return error(409, "OBJECT_ALREADY_EXISTS", f"{body['name']} already exists")
        known[body["name"]] = body
        return 201, {}, body

    def upsert(self, obj: str, body: dict) -> Answer:
        inputs = body.get("inputs", [])
        if len(inputs) > 100:
            return error(400, "VALIDATION_ERROR", f"Batch size {len(inputs)} exceeds the limit of 100")
        results, errors = [], []
        for item in inputs:
            id_property, value, props = item["idProperty"], str(item["id"]), item["properties"]
            if not self.properties[obj].get(id_property, {}).get("hasUniqueValue"):
                return error(400, "VALIDATION_ERROR", f"{id_property} is not a unique property of {obj}")
            unknown = [p for p in props if p not in STANDARD[obj] and p not in self.properties[obj]]
            if value in self.reject or unknown:
                errors.append({"status": "error", "category": "VALIDATION_ERROR",
                               "message": f"Property values were not valid: {unknown or value}",
                               "context": {"ids": [value]}})
                continue
            self.upserts.append((obj, item))
            key = value.lower() if id_property == "email" else value
            new = key not in self.objects[obj]
            stored = self.objects[obj].setdefault(key, {"hs_object_id": str(self.next_id)})
            self.next_id += 1
            stored.update(props)
            result = {"id": stored["hs_object_id"], "properties": dict(stored), "new": new}
            if self.echo_trace_ids:
                result["objectWriteTraceId"] = item.get("objectWriteTraceId")
            results.append(result)
        answer = {"status": "COMPLETE", "results": results}
        if errors:
            return 207, {}, {**answer, "numErrors": len(errors), "errors": errors}
        return 200, {}, answer


@pytest.fixture
def hubspot() -> Iterator[HubSpot]:
    """A running fake HubSpot; HUBSPOT_BASE_URL=.server.url, HUBSPOT_ACCESS_TOKEN=tests.fakes.hubspot.TOKEN."""
    fake = HubSpot()
    with fake.server:
        yield fake
