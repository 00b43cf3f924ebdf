"""The Segment calls the simulated product sends, and the event table the simulation fills."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

# (Segment type, event or page name). The index is the event's code.
CATALOG: tuple[tuple[str, str | None], ...] = (
    ("identify", None), ("group", None),
    ("track", "Signed Up"), ("track", "Invite Accepted"), ("track", "Teammate Invited"),
    ("track", "Project Created"), ("track", "Document Created"), ("track", "Comment Added"),
    ("track", "Document Shared"), ("track", "Integration Connected"), ("track", "Export Run"),
    ("track", "API Key Created"), ("track", "Paywall Hit"), ("track", "Plan Limit Reached"),
    ("track", "Credit Card Added"), ("track", "Unsubscribed"),
    ("page", "Pricing"), ("page", "Admin Settings"), ("page", "Security"), ("page", "Billing"),
    ("page", "Docs"), ("page", "Home"),
)
CODE = {name or kind: i for i, (kind, name) in enumerate(CATALOG)}
IDENTIFY, GROUP = CODE["identify"], CODE["group"]
SIGNED_UP, INVITE_ACCEPTED, TEAMMATE_INVITED = CODE["Signed Up"], CODE["Invite Accepted"], CODE["Teammate Invited"]
PAYWALL_HIT, PLAN_LIMIT, CREDIT_CARD = CODE["Paywall Hit"], CODE["Plan Limit Reached"], CODE["Credit Card Added"]
PRICING, ADMIN, SECURITY, BILLING, DOCS, HOME = (CODE[p] for p in ("Pricing", "Admin Settings", "Security", "Billing", "Docs", "Home"))
N_CODES = len(CATALOG)


@dataclass
class Events:
    """Simulated calls of one chunk, one array element per call.

    ``aux`` carries what some calls need: the invitee's member row for "Teammate
    Invited" (-1: someone who never joined), 1 on an identify that stitches an
    anonymousId, the seat count on "Credit Card Added".
    """

    member: np.ndarray
    day: np.ndarray
    second: np.ndarray
    code: np.ndarray
    aux: np.ndarray
    anonymous: np.ndarray

    @classmethod
    def of(cls, member, day, second, code, aux=None, anonymous=None) -> "Events":
        member = np.asarray(member, dtype=np.int64)
        n = len(member)
        full = lambda v, fill, dt: np.full(n, fill, dt) if v is None else np.broadcast_to(np.asarray(v, dt), n).copy()  # noqa: E731
        return cls(member, full(day, 0, np.int64), full(second, 0, np.int64), full(code, 0, np.int64),
                   full(aux, -1, np.int64), full(anonymous, False, bool))

    @classmethod
    def concat(cls, parts: list["Events"]) -> "Events":
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))

    def take(self, index: np.ndarray) -> "Events":
        return Events(*(getattr(self, f.name)[index] for f in fields(self)))

    def __len__(self) -> int:
        return len(self.member)
