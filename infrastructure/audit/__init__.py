"""Tamper evidence for the event log: append-only tables, a hash chain over the global sequence, signed checkpoints.

Every event gets a link, SHA-256 over its position, case id, version, topic, stored payload and the previous link,
written by the recorders in the same transaction as the event (infrastructure/eventstore/recorders.py) into a table
of its own. The database refuses UPDATE, DELETE and TRUNCATE of the events, the links and the checkpoints (triggers;
on PostgreSQL also the application role's grants, see `restrict_role`). A checkpoint is the chain's head at a
position, signed with an Ed25519 key, small enough for an auditor to keep outside the operator's reach. Verification
recomputes the chain from the raw events table alone and compares it with the stored links and with the checkpoints.
The README's "Audit" section documents the encoding for auditors who recompute it themselves.
"""
