"""ingest-api: a small event-ingestion HTTP service.

Events arrive per customer account over HTTP, are stored in a SQL table and as
JSON-lines objects in a bucket (the landing zone of the Snowflake ingestion
pipeline), and the service exports Prometheus metrics.
"""

__version__ = "1.4.0"
