"""Simulated calls -> Segment-spec NDJSON lines, with the mess real pipelines have.

About 1.5% of messages arrive late (written after later ones) and about 0.2% are
sent twice with the same ``messageId`` (client retries), so ingest must dedupe.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import orjson

from leadlight.demo import catalog as c
from leadlight.demo import vocab
from leadlight.demo.catalog import Events
from leadlight.demo.company import Company
from leadlight.demo.period import Period

LATE_SHARE, DUPLICATE_SHARE = 0.015, 0.002
_PAGES = {
    c.PRICING: ("/pricing", f"https://{vocab.VENDOR_DOMAIN}/pricing"),
    c.ADMIN: ("/settings/admin", f"https://app.{vocab.VENDOR_DOMAIN}/settings/admin"),
    c.SECURITY: ("/settings/security", f"https://app.{vocab.VENDOR_DOMAIN}/settings/security"),
    c.BILLING: ("/settings/billing", f"https://app.{vocab.VENDOR_DOMAIN}/settings/billing"),
    c.DOCS: ("/docs", f"https://{vocab.VENDOR_DOMAIN}/docs"),
    c.HOME: ("/", f"https://{vocab.VENDOR_DOMAIN}/"),
}
_PAGE_PROPS = {code: {"path": path, "url": url, "title": f"{c.CATALOG[code][1]} | Quillboard"}
               for code, (path, url) in _PAGES.items()}
_CHOICES = {  # track event -> (property, values picked by the event's random variant)
    "Signed Up": ("method", ("email", "google", "github", "google")),
    "Project Created": ("template", ("blank", "roadmap", "sprint_board", "wiki", "okr")),
    "Document Shared": ("share_type", ("internal", "internal", "public_link", "guest")),
    "Integration Connected": ("integration", ("slack", "github", "jira", "google_drive", "figma", "salesforce")),
    "Export Run": ("format", ("pdf", "csv", "markdown", "docx")),
    "API Key Created": ("scope", ("read", "write")),
    "Paywall Hit": ("feature", ("version_history", "sso", "guest_access", "advanced_permissions", "automations")),
    "Plan Limit Reached": ("limit", ("documents", "members", "storage")),
    "Unsubscribed": ("list", ("product_updates", "newsletter")),
    "Teammate Invited": ("role", ("member", "member", "admin")),
    "Invite Accepted": ("role", ("member",)),
}
_DOC_EVENTS = {"Document Created", "Comment Added", "Document Shared"}


def message_ids_at(counter: np.ndarray, salt: int) -> list[str]:
    """UUID-shaped ids, unique per counter value (two odd-multiplier bijections modulo 2**64)."""
    counter = np.asarray(counter, dtype=np.uint64)
    with np.errstate(over="ignore"):
        high = counter * np.uint64(0x9E3779B97F4A7C15) + np.uint64(salt)
        low = (counter ^ np.uint64(salt)) * np.uint64(0xBF58476D1CE4E5B9) + np.uint64(0x94D049BB133111EB)
    text = np.stack([high, low], axis=1).astype(">u8").tobytes().hex()
    return [f"{text[i:i + 8]}-{text[i + 8:i + 12]}-{text[i + 12:i + 16]}-{text[i + 16:i + 20]}-{text[i + 20:i + 32]}"
            for i in range(0, len(text), 32)]


def render(rng: np.random.Generator, period: Period, co: Company, ev: Events, first_message: int, salt: int,
           block: int = 50_000) -> Iterator[bytes]:
    """The chunk's NDJSON, in blocks of at most ``block`` lines (bounded memory)."""
    n = len(ev)
    moment = ev.day * 86400 + ev.second
    arrival = moment + np.where(rng.random(n) < LATE_SHARE, rng.integers(60, 6 * 3600, n), 0)
    again = np.flatnonzero(rng.random(n) < DUPLICATE_SHARE)
    rows = np.concatenate([np.arange(n), again])
    arrival = np.concatenate([arrival, moment[again] + rng.integers(1, 3600, len(again))])
    rows = rows[np.argsort(arrival, kind="stable")]
    variant = rng.integers(0, 1 << 31, n)
    group_traits = _group_traits(co)
    gid = [co.account_id[w] if co.group_call_m[m] and w < co.n_accounts else None
           for m, w in enumerate(co.workspace_m.tolist())]
    ctx = co.context_group_m.tolist()
    ws = co.workspace_m.tolist()
    dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    for lo in range(0, len(rows), block):
        part = rows[lo:lo + block]
        ids = message_ids_at(first_message + part, salt)
        stamps = np.datetime_as_string((period.start_epoch + moment[part]).astype("datetime64[s]"), unit="s").tolist()
        members, codes = ev.member[part].tolist(), ev.code[part].tolist()
        aux, anonymous, variants = ev.aux[part].tolist(), ev.anonymous[part].tolist(), variant[part].tolist()
        lines = []
        for j in range(len(part)):
            m, code = members[j], codes[j]
            kind, name = c.CATALOG[code]
            msg = {"type": kind, "messageId": ids[j], "timestamp": stamps[j] + "Z"}
            if anonymous[j]:
                msg["anonymousId"] = co.anonymous_id_m[m]
            else:
                msg["userId"] = co.user_id_m[m]
            if kind == "track":
                msg["event"] = name
                msg["properties"] = _track_properties(co, name, variants[j], aux[j], m)
                if ctx[m] and gid[m]:
                    msg["context"] = {"groupId": gid[m]}
            elif kind == "page":
                msg["name"] = name
                msg["properties"] = _PAGE_PROPS[code]
            elif kind == "identify":
                if aux[j] == 1:
                    msg["anonymousId"] = co.anonymous_id_m[m]
                traits = {"email": co.email_m[m], "name": co.name_m[m]}
                if co.title_m[m]:
                    traits["title"] = co.title_m[m]
                msg["traits"] = traits
            else:
                msg["groupId"] = gid[m]
                msg["traits"] = group_traits[ws[m]]
            lines.append(dumps(msg, option=newline))
        yield b"".join(lines)


def _track_properties(co: Company, name: str, variant: int, aux: int, member: int) -> dict:
    props: dict = {}
    if name in _CHOICES:
        key, values = _CHOICES[name]
        props[key] = values[variant % len(values)]
    if name == "Signed Up" and co.invited_m[member]:
        props["method"] = "invite"
    elif name in _DOC_EVENTS:
        props["document_id"] = f"doc_{variant:08x}"
    elif name == "Project Created":
        props["project_id"] = f"prj_{variant:08x}"
    elif name == "Plan Limit Reached":
        props["plan"] = "free"
    elif name == "Credit Card Added":
        props.update(plan="team", seats=aux)
    elif name == "Teammate Invited":
        props["invitee_email"] = co.email_m[aux] if aux >= 0 else _stranger(co, member, variant)
    return props


def _stranger(co: Company, member: int, variant: int) -> str:
    """An invitee who never joined: a colleague at the inviter's domain."""
    first = vocab.FIRST_NAMES[variant % len(vocab.FIRST_NAMES)].lower()
    last = vocab.LAST_NAMES[(variant >> 8) % len(vocab.LAST_NAMES)].lower()
    return f"{first}.{last}@{co.email_m[member].rsplit('@', 1)[-1]}"


def _group_traits(co: Company) -> list[dict]:
    traits = []
    for a in range(co.n_accounts):
        t = {"name": co.name[a], "domain": co.domain[a], "employees": int(co.employees[a]), "plan": co.plan[a]}
        if co.industry[a] >= 0:
            t["industry"] = vocab.INDUSTRIES[co.industry[a]]
        traits.append(t)
    return traits
