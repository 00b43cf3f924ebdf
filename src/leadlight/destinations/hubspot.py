"""HubSpot CRM v3: accounts as companies, PQL people as contacts, through the batch upsert endpoints.

``POST /crm/v3/objects/{companies|contacts}/batch/upsert`` takes up to 100
inputs matched by a unique property: contacts by ``email``, companies by
``leadlight_account_id`` (HubSpot's ``domain`` is not unique, so it cannot key
an upsert). ``setup`` creates that property and the ones Leadlight writes
(``leadlight_score``, ...) once. A 207 multi-status answer is read per record
through ``objectWriteTraceId`` (our key), so one bad record fails alone.
Environment: ``HUBSPOT_ACCESS_TOKEN``, ``HUBSPOT_BASE_URL`` (default the real API).
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from pydantic import SecretStr

from leadlight.config.destinations import DestinationsConfig
from leadlight.destinations.base import NotConfigured
from leadlight.destinations.http import HttpSession, session
from leadlight.destinations.records import (ACCOUNT_FIELDS, PERSON_FIELDS, CrmDestination, CrmRecord, Kind,
                                           RecordResult)

DEFAULT_BASE_URL = "https://api.hubapi.com"
MAX_BATCH = 100
OBJECTS = {"account": "companies", "person": "contacts"}
CREATE_ONLY = {"name": "name", "domain": "domain", "email": "email", "title": "jobtitle", "company": "company"}
PROPERTY_TYPES = {"score": ("number", "number"), "probability": ("number", "number"),
                  "pqa": ("bool", "booleancheckbox"),
                  "pql": ("bool", "booleancheckbox"), "updated_at": ("datetime", "date"),
                  "reasons": ("string", "textarea")}
GROUP = "leadlight"


def hubspot_value(value: Any) -> Any:
    return ("true" if value else "false") if isinstance(value, bool) else value


class HubSpotDestination(CrmDestination):
    """Upserts companies and contacts; idempotent (an upsert by a unique property)."""

    name: ClassVar[str] = "hubspot"
    record_word: ClassVar[str] = "company"

    def __init__(self, token: SecretStr, config: DestinationsConfig, *, base_url: str = DEFAULT_BASE_URL,
                 http: HttpSession | None = None) -> None:
        self.config = config.hubspot
        self.batch_size = min(self.config.batch_size, MAX_BATCH)
        self.http = http or session("HubSpot", config.http, base_url=base_url, secrets=(token.get_secret_value(),),
                                    headers={"authorization": f"Bearer {token.get_secret_value()}"})

    @classmethod
    def from_env(cls, config: DestinationsConfig, env: Mapping[str, str]) -> "HubSpotDestination":
        token = env.get("HUBSPOT_ACCESS_TOKEN", "").strip()
        if not token:
            raise NotConfigured("hubspot", ["HUBSPOT_ACCESS_TOKEN"])
        return cls(SecretStr(token), config, base_url=env.get("HUBSPOT_BASE_URL", "").strip() or DEFAULT_BASE_URL)

    def id_property(self, kind: Kind) -> str:
        return self.config.company_id_property if kind == "account" else self.config.contact_id_property

    def properties(self, record: CrmRecord, known: bool) -> dict[str, Any]:
        props = {self.config.property_prefix + k: hubspot_value(v) for k, v in record.fields.items()}
        if not known:
            props |= {CREATE_ONLY[k]: v for k, v in record.create_only.items() if k in CREATE_ONLY}
        return props

    def upsert(self, kind: Kind, records: list[CrmRecord], known: set[str]) -> list[RecordResult]:
        """One batch upsert call; per-record results from a 200 or 207 answer."""
        if len(records) > self.batch_size:
            raise ValueError(f"a HubSpot batch holds at most {self.batch_size} inputs")
        id_property = self.id_property(kind)
        inputs, out = [], {}
        for record in records:
            props = self.properties(record, record.key in known)
            match = props.get(id_property) or (record.create_only.get("email") if id_property == "email" else None)
            if not match:
                out[record.key] = RecordResult(record.key, False, error=f"no {id_property} to match it in HubSpot")
                continue
            inputs.append({"idProperty": id_property, "id": str(match), "objectWriteTraceId": record.key,
                           "properties": {**props, id_property: match}})
        if inputs:
            response = self.http.request("POST", f"/crm/v3/objects/{OBJECTS[kind]}/batch/upsert",
                                         json={"inputs": inputs}, accept=(207,))
            self.read_results(response.json(), inputs, out)
        return [out.get(r.key) or RecordResult(r.key, False, error="HubSpot did not confirm it") for r in records]

    @staticmethod
    def read_results(body: dict[str, Any], inputs: list[dict[str, Any]], out: dict[str, RecordResult]) -> None:
        by_match = {str(i["id"]).lower(): i["objectWriteTraceId"] for i in inputs}
        for result in body.get("results", []):
            key = result.get("objectWriteTraceId") or by_match.get(
                str(result.get("properties", {}).get(inputs[0]["idProperty"], "")).lower())
            if key:
                out[key] = RecordResult(key, True, created=result.get("new"), remote_id=result.get("id"))
        for error in body.get("errors", []):
            context = error.get("context") or {}
            mentioned = [str(v) for values in context.values()
                         for v in (values if isinstance(values, list) else [values])]
            mentioned += [error["objectWriteTraceId"]] if error.get("objectWriteTraceId") else []
            for value in mentioned:
                key = value if value in by_match.values() else by_match.get(value.lower())
                if key and key not in out:
                    out[key] = RecordResult(key, False, error=f"{error.get('category', 'error')}: "
                                                              f"{error.get('message', '')}".strip())

    def setup(self) -> list[str]:
        """Create the property group and every property Leadlight writes (the unique key included); returns
        what was created (existing ones are left alone)."""
        created = []
        for kind, fields in (("account", ACCOUNT_FIELDS), ("person", PERSON_FIELDS)):
            path = f"/crm/v3/properties/{OBJECTS[kind]}"
            group = self.http.request("POST", f"{path}/groups", json={"name": GROUP, "label": "Leadlight"},
                                      accept=(409,))
            if group.status_code < 300:
                created.append(f"{OBJECTS[kind]} group {GROUP}")
            for name in fields:
                prop = self.property_definition(kind, name)
                answer = self.http.request("POST", path, json=prop, accept=(409,))
                if answer.status_code < 300:
                    created.append(f"{OBJECTS[kind]}.{prop['name']}")
        return created

    def property_definition(self, kind: Kind, name: str) -> dict[str, Any]:
        kind_type, field_type = PROPERTY_TYPES.get(name, ("string", "text"))
        prop: dict[str, Any] = {"name": self.config.property_prefix + name, "groupName": GROUP, "type": kind_type,
                                "fieldType": field_type, "label": "Leadlight " + name.replace("_", " ")}
        if kind_type == "bool":
            prop["options"] = [{"label": "Yes", "value": "true"}, {"label": "No", "value": "false"}]
        if prop["name"] == self.id_property(kind):
            prop["hasUniqueValue"] = True
        return prop
