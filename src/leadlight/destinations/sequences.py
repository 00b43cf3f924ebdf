"""Sequence enrolment: Outreach sequences and Salesloft cadences, each with a prospect upsert first.

Whom: the delivery's ``people`` (those with an email), else the account's
champion. For each, the prospect / person is found by email or created, then
enrolled. Enrolling someone already in the sequence counts as sent, so a
re-send after a crash is harmless (``idempotent``). The sequence, cadence,
mailbox and user ids come from the playbook action's options, else from
``destinations.outreach`` / ``destinations.salesloft``.
Environment: ``OUTREACH_ACCESS_TOKEN`` (+ ``OUTREACH_BASE_URL``),
``SALESLOFT_API_KEY`` (+ ``SALESLOFT_BASE_URL``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

import httpx
from pydantic import SecretStr

from leadlight.config.destinations import DestinationsConfig
from leadlight.contract import Person
from leadlight.destinations.base import Delivery, DeliveryFailed, NotConfigured, Sent
from leadlight.destinations.http import HttpSession, session

OUTREACH_URL = "https://api.outreach.io"
SALESLOFT_URL = "https://api.salesloft.com"
JSON_API = "application/vnd.api+json"


def already_enrolled(response: httpx.Response) -> bool:
    return response.status_code in (409, 422) and "already" in response.text.lower()


def recipients(delivery: Delivery) -> list[Person]:
    people = [Person(user_id=p.user_id, email=p.email, title=p.title) for p in delivery.people if p.email]
    champion = delivery.account.champion
    if not people and champion and champion.email:
        people = [champion]
    if not people:
        raise DeliveryFailed(f"nobody to enrol for {delivery.account.account_id}: no person with an email",
                             retryable=False)
    return people


def required(options: dict[str, Any], key: str, default: int | None, section: str) -> Any:
    value = options.get(key, default)
    if value is None:
        raise DeliveryFailed(f"no {key}: set it on the playbook action or destinations.{section}.{key}",
                             retryable=False)
    return value


class _Sequencer:
    name: ClassVar[str]
    idempotent: ClassVar[bool] = True
    token_env: ClassVar[str]
    url_env: ClassVar[str]
    default_url: ClassVar[str]

    def __init__(self, token: SecretStr, config: DestinationsConfig, *, base_url: str | None = None,
                 http: HttpSession | None = None) -> None:
        self.config = config
        self.http = http or session(self.name.capitalize(), config.http, base_url=base_url or self.default_url,
                                    secrets=(token.get_secret_value(),),
                                    headers={"authorization": f"Bearer {token.get_secret_value()}"})

    @classmethod
    def from_env(cls, config: DestinationsConfig, env: Mapping[str, str]):
        token = env.get(cls.token_env, "").strip()
        if not token:
            raise NotConfigured(cls.name, [cls.token_env])
        return cls(SecretStr(token), config, base_url=env.get(cls.url_env, "").strip() or None)

    def deliver(self, delivery: Delivery) -> Sent:
        enrolled = [self.enrol(person, delivery) for person in recipients(delivery)]
        return Sent(remote_id=",".join(enrolled), detail=f"enrolled {len(enrolled)} in {self.name}")

    def enrol(self, person: Person, delivery: Delivery) -> str: ...

    def find_or_create(self, search: str, params: dict[str, Any], create: str, body: dict[str, Any],
                       headers: dict[str, str] | None = None) -> str:
        """The id of the first match of ``GET search?params``, else of what ``POST create`` made."""
        found = self.http.request("GET", search, params=params).json()
        if found.get("data"):
            return str(found["data"][0]["id"])
        return str(self.http.request("POST", create, json=body, headers=headers).json()["data"]["id"])

    def check_enrolled(self, response: httpx.Response) -> None:
        """Enrolled now or before; anything else (a 409/422 about something else) is refused for good."""
        if response.status_code >= 300 and not already_enrolled(response):
            raise DeliveryFailed(f"{self.http.label} refused the enrolment: HTTP {response.status_code}: "
                                 f"{self.http.redact(response.text[:300])}", retryable=False,
                                 status=response.status_code)

    def close(self) -> None:
        self.http.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token=***)"


class OutreachDestination(_Sequencer):
    """``POST /api/v2/sequenceStates`` (JSON:API), after finding or creating the prospect."""

    name: ClassVar[str] = "outreach"
    token_env, url_env, default_url = "OUTREACH_ACCESS_TOKEN", "OUTREACH_BASE_URL", OUTREACH_URL

    def prospect_id(self, person: Person, delivery: Delivery) -> str:
        attributes = {"emails": [person.email], "title": person.title, "company": delivery.account.name,
                      "websiteUrl1": delivery.account.domain and f"https://{delivery.account.domain}"}
        return self.find_or_create(
            "/api/v2/prospects", {"filter[emails]": person.email}, "/api/v2/prospects",
            {"data": {"type": "prospect", "attributes": {k: v for k, v in attributes.items() if v}}},
            headers={"content-type": JSON_API})

    def enrol(self, person: Person, delivery: Delivery) -> str:
        options, defaults = delivery.options, self.config.outreach
        sequence = required(options, "sequence_id", defaults.sequence_id, "outreach")
        mailbox = required(options, "mailbox_id", defaults.mailbox_id, "outreach")
        prospect = self.prospect_id(person, delivery)
        relationships = {"prospect": {"data": {"type": "prospect", "id": int(prospect)}},
                         "sequence": {"data": {"type": "sequence", "id": int(sequence)}},
                         "mailbox": {"data": {"type": "mailbox", "id": int(mailbox)}}}
        response = self.http.request("POST", "/api/v2/sequenceStates", headers={"content-type": JSON_API},
                                     json={"data": {"type": "sequenceState", "relationships": relationships}},
                                     accept=(409, 422))
        self.check_enrolled(response)
        return prospect


class SalesloftDestination(_Sequencer):
    """``POST /v2/cadence_memberships``, after finding or creating the person."""

    name: ClassVar[str] = "salesloft"
    token_env, url_env, default_url = "SALESLOFT_API_KEY", "SALESLOFT_BASE_URL", SALESLOFT_URL

    def person_id(self, person: Person, delivery: Delivery) -> str:
        fields = {"email_address": person.email, "title": person.title,
                  "last_name": (person.email or "").split("@")[0]}
        return self.find_or_create("/v2/people", {"email_addresses[]": person.email}, "/v2/people",
                                   {k: v for k, v in fields.items() if v})

    def enrol(self, person: Person, delivery: Delivery) -> str:
        options, defaults = delivery.options, self.config.salesloft
        cadence = required(options, "cadence_id", defaults.cadence_id, "salesloft")
        user = options.get("user_id", defaults.user_id)
        person_id = self.person_id(person, delivery)
        params = {"person_id": person_id, "cadence_id": cadence} | ({"user_id": user} if user is not None else {})
        response = self.http.request("POST", "/v2/cadence_memberships", params=params, accept=(409, 422))
        self.check_enrolled(response)
        return person_id
