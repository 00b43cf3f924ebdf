"""Outreach (JSON:API prospects + sequenceStates) and Salesloft (people + cadence_memberships)."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.fakes.server import Answer, FakeServer, Request, bearer

TOKEN = "fake-sequence-token"


class Outreach:
    def __init__(self) -> None:
        self.prospects: dict[str, int] = {}  # email -> id
        self.states: set[tuple[int, int, int]] = set()  # (prospect, sequence, mailbox)
        self.server = FakeServer(self.handle)

    def handle(self, request: Request) -> Answer:
        if not bearer(request, TOKEN):
            return 401, {}, {"errors": [{"id": "unauthorized", "title": "Unauthorized"}]}
        if request.method == "GET" and request.path == "/api/v2/prospects":
            email = request.query.get("filter[emails]", [""])[0]
            found = [{"type": "prospect", "id": self.prospects[email]}] if email in self.prospects else []
            return 200, {}, {"data": found}
        body = request.json()
        if request.headers.get("content-type", "").split(";")[0] != "application/vnd.api+json":
            return 415, {}, {"errors": [{"title": "Unsupported Media Type"}]}
        if request.path == "/api/v2/prospects":
            email = body["data"]["attributes"]["emails"][0]
            self.prospects[email] = 100 + len(self.prospects)
            return 201, {}, {"data": {"type": "prospect", "id": self.prospects[email]}}
        if request.path == "/api/v2/sequenceStates":
            rel = body["data"]["relationships"]
            state = (rel["prospect"]["data"]["id"], rel["sequence"]["data"]["id"], rel["mailbox"]["data"]["id"])
            if state[0] not in self.prospects.values():
                return 422, {}, {"errors": [{"id": "validationError", "detail": "Prospect not found"}]}
            if state in self.states:
                return 422, {}, {"errors": [{"id": "validationError", "title": "Validation Error",
                                             "detail": "Prospect already exists in this sequence"}]}
            self.states.add(state)
            return 201, {}, {"data": {"type": "sequenceState", "id": len(self.states)}}
        return 404, {}, {"errors": [{"title": "Not Found"}]}


class Salesloft:
    def __init__(self) -> None:
        self.people: dict[str, int] = {}
        self.memberships: set[tuple[int, int]] = set()  # (person, cadence)
        self.server = FakeServer(self.handle)

    def handle(self, request: Request) -> Answer:
        if not bearer(request, TOKEN):
            return 401, {}, {"error": "Not authorized"}
        if request.method == "GET" and request.path == "/v2/people":
            email = request.query.get("email_addresses[]", [""])[0]
            return 200, {}, {"data": [{"id": self.people[email]}] if email in self.people else []}
        if request.path == "/v2/people":
            email = request.json()["email_address"]
            self.people[email] = 500 + len(self.people)
            return 200, {}, {"data": {"id": self.people[email], "email_address": email}}
        if request.path == "/v2/cadence_memberships":
            member = (int(request.query["person_id"][0]), int(request.query["cadence_id"][0]))
            if member in self.memberships:
                return 422, {}, {"errors": {"person_id": ["is already on this cadence"]}}
            self.memberships.add(member)
            return 200, {}, {"data": {"id": len(self.memberships)}}
        return 404, {}, {"error": "Not Found"}


@pytest.fixture
def outreach() -> Iterator[Outreach]:
    fake = Outreach()
    with fake.server:
        yield fake


@pytest.fixture
def salesloft() -> Iterator[Salesloft]:
    fake = Salesloft()
    with fake.server:
        yield fake
