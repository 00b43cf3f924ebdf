"""Latent people: who joins which workspace when, with what email, title and habits."""

from __future__ import annotations

import uuid

import numpy as np

from leadlight.demo import vocab
from leadlight.demo.company import (
    DISPOSABLE, INTERNAL_REPS, PERSONAL, PRE_DAYS, QUIET, RAMP, STALL, STUDENT_MAIL, VENDOR, WORK, internal_reps, scramble_id,
)
from leadlight.demo.period import Period

_LIFECYCLE_TEAM = {RAMP: 1.4, STALL: 0.8, QUIET: 0.6}
_ROLE_ACTIVITY = np.array([0.6, 0.9, 1.0, 0.7, 0.6, 0.8, 0.15])  # by vocab role
_CREATOR_ROLES = ([vocab.EXEC, vocab.MANAGER, vocab.MAKER, vocab.ADMIN], [0.4, 0.3, 0.2, 0.1])


def _join_days(rng: np.random.Generator, growth: np.ndarray, ws: np.ndarray) -> np.ndarray:
    """Sample a join column per member from its workspace's growth curve; ``width`` means "not within the period"."""
    n, width = growth.shape
    padded = np.concatenate([growth, 0.35 * growth.sum(1, keepdims=True) + 1e-9], axis=1)
    cdf = np.cumsum(padded, axis=1)
    cdf /= cdf[:, -1:]
    flat = (cdf + np.arange(n)[:, None]).ravel()
    pos = np.searchsorted(flat, ws + rng.random(len(ws)) * (1 - 1e-12), side="right")
    return pos - ws * (width + 1)


def members(rng: np.random.Generator, period: Period, firms: dict, life: dict, n_solo: int, counter: int) -> tuple[dict, int]:
    """Member rows for every workspace of the chunk, and the next free user counter."""
    n = len(firms["account_id"])
    employees, lifecycle, start = firms["employees"], life["lifecycle_w"], life["start_w"]
    mult = np.array([_LIFECYCLE_TEAM.get(c, 1.0) for c in lifecycle[:n]])
    lam = 1.2 * employees ** 0.42 * life["base_w"][:n] * mult
    size = 1 + np.minimum(np.minimum(rng.poisson(lam), 59), employees - 1)
    ws = np.repeat(np.arange(n), size)
    first = np.r_[True, ws[1:] != ws[:-1]]
    col = _join_days(rng, life["growth_w"][:n], ws)
    width = life["growth_w"].shape[1]
    col[first] = start[ws[first]] + PRE_DAYS
    keep = col < width
    ws, join = ws[keep], col[keep] - PRE_DAYS
    # Individuals: one person in each solo workspace.
    solo_ws = np.arange(n, n + n_solo)
    ws, join = np.concatenate([ws, solo_ws]), np.concatenate([join, start[n:]])
    # Internal reps join a share of the accounts during a buying-interest episode.
    burst_now = life["burst_w"][:n, PRE_DAYS:]
    has_burst = burst_now.any(1)
    rep_ws = np.flatnonzero(has_burst & (rng.random(n) < 0.35))
    rep_join = burst_now[rep_ws].argmax(1) + rng.integers(0, 10, len(rep_ws))
    rep_join = np.maximum(rep_join, start[rep_ws] + 1)
    rep_who = rng.integers(0, INTERNAL_REPS, len(rep_ws))
    ws, join = np.concatenate([ws, rep_ws]), np.concatenate([join, rep_join])
    is_rep = np.r_[np.zeros(len(ws) - len(rep_ws), bool), np.ones(len(rep_ws), bool)]
    order = np.lexsort((is_rep, join, ws))
    ws, join, is_rep = ws[order], join[order], is_rep[order]
    rep_who = np.r_[np.full(len(ws) - len(rep_ws), -1), rep_who][order]
    m = len(ws)
    group_start = np.r_[0, np.flatnonzero(ws[1:] != ws[:-1]) + 1]
    rank = np.arange(m) - np.repeat(group_start, np.diff(np.r_[group_start, m]))
    solo = ws >= n

    mail = np.full(m, WORK)
    mail[(~solo) & (rng.random(m) < 0.11)] = PERSONAL
    solo_kind = rng.choice([STUDENT_MAIL, DISPOSABLE, PERSONAL], m, p=[0.4, 0.2, 0.4])
    mail[solo] = solo_kind[solo]
    mail[is_rep] = VENDOR
    role = rng.choice(5, m, p=np.array(vocab.ROLE_WEIGHTS) / sum(vocab.ROLE_WEIGHTS))
    creator = rank == 0
    role[creator] = rng.choice(_CREATOR_ROLES[0], creator.sum(), p=_CREATOR_ROLES[1])
    role[solo] = np.where(mail[solo] == STUDENT_MAIL, vocab.STUDENT, vocab.MAKER)
    role[is_rep] = vocab.INTERNAL
    shared = np.r_[firms["shared_domain"], np.zeros(n_solo, bool)][np.minimum(ws, n + n_solo - 1)]
    group_call = ~solo & (is_rep | creator | shared | (mail == PERSONAL) | (rng.random(m) < 0.9))
    listed = ~solo & ~is_rep & group_call & (rng.random(m) < 0.75)
    confirm_rate = np.array([0.95, 0.85, 0.2, 0.8, 1.0])[mail]
    invited = ~solo & ~creator & ~is_rep & (rng.random(m) < 0.8)
    anon_rate = np.where(creator & ~is_rep, 2.5, np.where(invited | is_rep, 0.0, 1.0))
    stay = np.where(solo, 60, 700)
    leave = join + np.ceil(rng.exponential(stay)).astype(np.int64) + 1

    out = {"workspace_m": ws, "join_m": join, "leave_m": leave, "role_m": role, "mail_m": mail,
           "rank_m": rank, "group_call_m": group_call, "listed_account_m": listed,
           "confirmed_m": rng.random(m) < confirm_rate, "invited_m": invited,
           "context_group_m": group_call & (rng.random(m) < 0.4),
           "anon_views_m": rng.poisson(anon_rate),
           "propensity_m": rng.beta(2, 3, m) * _ROLE_ACTIVITY[role],
           "join_second_m": np.clip(rng.normal(14 * 3600, 3.5 * 3600, m), 0, 79000).astype(np.int64)}
    reps = internal_reps(period)
    names, emails, titles, ids, anon = [], [], [], [], []
    taken: set[str] = set()
    patterns = rng.integers(0, 4, n)
    firsts = rng.integers(0, len(vocab.FIRST_NAMES), m)
    lasts = rng.integers(0, len(vocab.LAST_NAMES), m)
    for i in range(m):
        if is_rep[i]:
            rep = reps[rep_who[i]]
            ids.append(rep["user_id"]), names.append(rep["name"]), emails.append(rep["email"]), titles.append(rep["title"])
            anon.append(None)
            continue
        first_name, last_name = vocab.FIRST_NAMES[firsts[i]], vocab.LAST_NAMES[lasts[i]]
        f, l = first_name.lower(), last_name.lower()
        kind = mail[i]
        if kind == WORK:
            domain = firms["domain"][ws[i]]
            local = (f"{f}.{l}", f"{f[0]}{l}", f, f"{f}_{l}")[patterns[ws[i]]]
            email, k = f"{local}@{domain}", 2
            while email in taken:
                email, k = f"{local}{k}@{domain}", k + 1
            taken.add(email)
        elif kind == PERSONAL:
            domain = vocab.PERSONAL_DOMAINS[rng.choice(len(vocab.PERSONAL_DOMAINS), p=vocab.PERSONAL_WEIGHTS)]
            email = f"{f}.{l}{counter}@{domain}"
        elif kind == STUDENT_MAIL:
            email = f"{f[0]}{l}{counter}@{vocab.STUDENT_DOMAINS[rng.integers(len(vocab.STUDENT_DOMAINS))]}"
        else:
            email = f"{f[:3]}{counter:x}@{vocab.DISPOSABLE_DOMAINS[rng.integers(len(vocab.DISPOSABLE_DOMAINS))]}"
        titles_for_role = vocab.TITLES[role[i]]
        title = titles_for_role[rng.integers(len(titles_for_role))]
        if kind != STUDENT_MAIL and rng.random() < 0.08:
            title = ""
        ids.append(scramble_id(counter, "u_")), names.append(f"{first_name} {last_name}")
        emails.append(email), titles.append(title)
        anon.append(str(uuid.UUID(bytes=rng.bytes(16), version=4)) if out["anon_views_m"][i] else None)
        counter += 1
    out.update(user_id_m=ids, name_m=names, email_m=emails, title_m=titles, anonymous_id_m=anon)
    return out, counter
