"""The events table, as the service creates it (and as the DR drills restore into)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    account_id  TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    ts          TEXT,
    payload     TEXT,
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_account_id ON events (account_id);
"""
