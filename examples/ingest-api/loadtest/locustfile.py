"""Load test of ingest-api: clients posting event batches and reading counts.

Run headless against a running instance (the numbers in results/loadtest/ came from
exactly this, see results/README.md):

    locust -f loadtest/locustfile.py --headless --host http://127.0.0.1:8080 \
        -u 200 -r 2 -t 110s --csv results/loadtest/ingest --exit-code-on-error 0

Each simulated user is one client account: it posts a batch of 1-20 events and, now
and then, reads its account's count, waiting 0.1-0.5 s between requests.
"""

from __future__ import annotations

import random

from locust import HttpUser, between, task

EVENT_TYPES = ("page_view", "click", "signup", "purchase", "logout")


class IngestClient(HttpUser):
    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        self.account = f"acct-{random.randrange(1000):03d}"  # noqa: S311 - load, not crypto

    @task(8)
    def post_events(self) -> None:
        batch = [
            {"type": random.choice(EVENT_TYPES), "payload": {"n": i}}  # noqa: S311
            for i in range(random.randint(1, 20))  # noqa: S311
        ]
        self.client.post(
            f"/v1/accounts/{self.account}/events",
            json=batch,
            name="/v1/accounts/{account}/events",
        )

    @task(1)
    def count(self) -> None:
        self.client.get(
            f"/v1/accounts/{self.account}/events/count",
            name="/v1/accounts/{account}/events/count",
        )
