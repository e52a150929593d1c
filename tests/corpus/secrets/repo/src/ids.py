"""Identifiers the service uses: none of them is a secret."""

import uuid

NAMESPACE = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
SCHEMA_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
MIGRATION_COMMIT = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
TOKEN_HEADER = "X-Auth-Token"
password_field = "password"
api_key_name = "STRIPE_SECRET_KEY"
