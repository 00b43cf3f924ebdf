"""Playbooks: triggers that fire once per change, words for the rep, routing, caps and the outbox.

Playbooks read the contract's objects (``leadlight.contract``) and the account's
signal values; they never import scoring. ``tasks/run.py`` orchestrates: score,
store the snapshot, match playbooks and write outbox rows in one transaction,
then deliver.
"""
