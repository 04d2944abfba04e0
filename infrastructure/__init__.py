"""Adapters: settings, event store persistence (SQLite, PostgreSQL), the composition root."""
