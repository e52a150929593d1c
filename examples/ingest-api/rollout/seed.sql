-- Rollout state of ingest-api onto the Snowflake ingestion pipeline, as rows for golive's
-- embedded DuckDB stand-in (the same tables exist in the ROUTING schema of the Snowflake
-- account; see docs/rollout-plan.md). Exported from production on 2026-11-26.
-- Planted on purpose: initech's backfill stopped at 78 % (target_rows < source_rows), so
-- rollout.backfill-complete fails naming it.

CREATE SCHEMA IF NOT EXISTS ROUTING;

CREATE TABLE ROUTING.ACCOUNT_PIPELINE (
    account_id VARCHAR PRIMARY KEY,
    pipeline VARCHAR NOT NULL,          -- legacy | snowflake
    phase VARCHAR,
    routed_at TIMESTAMPTZ
);

CREATE TABLE ROUTING.BACKFILL_STATUS (
    account_id VARCHAR PRIMARY KEY,
    source_rows BIGINT NOT NULL,        -- rows in the SQL store received before routed_at
    target_rows BIGINT NOT NULL,        -- of those, rows loaded into RAW.INGEST.EVENTS
    status VARCHAR NOT NULL             -- running | complete | failed
);

INSERT INTO ROUTING.ACCOUNT_PIPELINE VALUES
    ('acme', 'snowflake', 'pilot', '2026-11-02 09:00:00+00'),
    ('globex', 'snowflake', 'pilot', '2026-11-02 09:05:00+00'),
    ('initech', 'snowflake', 'pilot', '2026-11-09 10:30:00+00'),
    ('umbrella', 'legacy', NULL, NULL),
    ('hooli', 'legacy', NULL, NULL),
    ('vandelay', 'legacy', NULL, NULL),
    ('stark', 'legacy', NULL, NULL);

INSERT INTO ROUTING.BACKFILL_STATUS VALUES
    ('acme', 1284512, 1284512, 'complete'),
    ('globex', 642210, 642210, 'complete'),
    ('initech', 903344, 704608, 'running');
