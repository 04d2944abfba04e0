"""Tamper evidence for the event log and the read-access log: append-only tables, hash chains, signed checkpoints.

Every event gets a link, SHA-256 over its position, case id, version, topic, stored payload and the previous link,
written by the recorders in the same transaction as the event (infrastructure/eventstore/recorders.py) into a table
of its own; every read-access log entry gets one likewise (access_log.py). The database refuses UPDATE, DELETE and
TRUNCATE of the events, the entries, their links and the checkpoints (triggers; on PostgreSQL also the runtime role's
grants, infrastructure/eventstore/runtime_role.py). A checkpoint is both chains' heads at a moment and a locator of
the events (locator.py), signed with an Ed25519 key, small enough for an auditor to keep outside the operator's reach.
Verification recomputes each chain from its raw table alone and compares it with the stored links and with the
checkpoints. The README's "Audit" section documents the encoding for auditors who recompute it themselves.
"""
