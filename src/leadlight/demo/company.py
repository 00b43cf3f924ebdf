"""The latent company: accounts (workspaces) with a lifecycle, and the people in them.

Everything here is hidden state; only what ``behaviour`` and ``outcomes`` emit is
observable. Rows ``0..n_accounts-1`` of a ``Company`` are real accounts (written to
accounts.csv); the rows after them are solo workspaces of individuals (students,
freelancers on personal email, disposable sign-ups) who belong to no account.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadlight.demo import vocab
from leadlight.demo.period import Period

PRE_DAYS = 365  # accounts may have started up to a year before the simulated period
RAMP, STEADY, STALL, QUIET = range(4)
LIFECYCLE_WEIGHTS = (0.3, 0.3, 0.2, 0.2)
BURSTS_PER_YEAR = np.array([1.6, 0.9, 0.6, 0.4])  # buying-interest episodes, by lifecycle
WORK, PERSONAL, DISPOSABLE, STUDENT_MAIL, VENDOR = range(5)
SOLO_SHARE = 0.12  # individuals per account
INTERNAL_REPS = 8


@dataclass
class Company:
    """One chunk of the simulated company. Arrays over workspaces end in ``_w``, over members in ``_m``."""

    n_accounts: int
    account_id: list[str]
    domain: list[str]
    name: list[str]
    employees: np.ndarray
    industry: np.ndarray  # index into vocab.INDUSTRIES, -1 when the CRM has it blank
    country: list[str]
    funding_stage: list[str]
    tech_stack: list[str]
    plan: list[str]  # plan at sign-up; self-serve upgrades move it to "team"
    shared_domain: np.ndarray
    start_w: np.ndarray  # day the workspace was created (may be < 0: before the period)
    lifecycle_w: np.ndarray
    intensity_w: np.ndarray  # (workspaces, PRE_DAYS + days) latent engagement
    burst_w: np.ndarray  # (workspaces, PRE_DAYS + days) buying-interest episodes
    # members: one row per (person, workspace); an internal rep appears once per workspace joined
    workspace_m: np.ndarray
    user_id_m: list[str]
    email_m: list[str]
    name_m: list[str]
    title_m: list[str]
    role_m: np.ndarray
    mail_m: np.ndarray  # WORK, PERSONAL, DISPOSABLE, STUDENT_MAIL, VENDOR
    confirmed_m: np.ndarray
    join_m: np.ndarray  # day of sign-up (users.csv created_at), may be < 0
    join_second_m: np.ndarray
    leave_m: np.ndarray
    propensity_m: np.ndarray
    invited_m: np.ndarray
    anon_views_m: np.ndarray
    anonymous_id_m: list[str | None]
    group_call_m: np.ndarray
    context_group_m: np.ndarray
    listed_account_m: np.ndarray  # users.csv carries account_id
    rank_m: np.ndarray  # order of joining inside the workspace (0 = creator)

    @property
    def internal_m(self) -> np.ndarray:
        return self.mail_m == VENDOR

    @property
    def member_of_account_m(self) -> np.ndarray:
        """Customer people whose activity the hidden law counts: account members, vendor reps excluded."""
        return (self.workspace_m < self.n_accounts) & ~self.internal_m


def scramble_id(counter: int, prefix: str) -> str:
    """A stable id that looks random: a bijection of the counter modulo 2**40."""
    return f"{prefix}{(counter * 0x9E3779B1 + 0x7F4A7C15) % (1 << 40):010x}"


def company_identity(index: int) -> tuple[str, str]:
    """(name, domain) of account number ``index``: unique for every index."""
    heads, tails = len(vocab.NAME_HEADS), len(vocab.NAME_TAILS)
    combos = heads * tails * len(vocab.DOMAIN_PATTERNS) * len(vocab.TLDS)
    k = (index * 7919 + 104729) % combos  # 7919 shares no factor with combos: a permutation
    head, k = vocab.NAME_HEADS[k % heads], k // heads
    tail, k = vocab.NAME_TAILS[k % tails], k // tails
    pattern, k = vocab.DOMAIN_PATTERNS[k % len(vocab.DOMAIN_PATTERNS)], k // len(vocab.DOMAIN_PATTERNS)
    tld = vocab.TLDS[k % len(vocab.TLDS)]
    word = (head + tail).lower() + (str(index // combos + 1) if index >= combos else "")
    return f"{head} {tail}", pattern.format(w=word, tld=tld)


def internal_reps(period: Period) -> list[dict]:
    """The vendor's own sales team: the same few people join many customer workspaces."""
    reps = []
    for k in range(INTERNAL_REPS):
        first, last = vocab.FIRST_NAMES[(k * 7) % 60], vocab.LAST_NAMES[(k * 11 + 3) % 50]
        reps.append({
            "user_id": scramble_id((1 << 39) + k, "u_"),
            "email": f"{first.lower()}.{last.lower()}@{vocab.VENDOR_DOMAIN}",
            "name": f"{first} {last}",
            "title": vocab.TITLES[vocab.INTERNAL][k % len(vocab.TITLES[vocab.INTERNAL])],
            "created_at": period.moment(-400 + 17 * k, 9 * 3600),
        })
    return reps
