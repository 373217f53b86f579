"""`make bench-insight`: how long the dashboard /insight/ takes with a year of aggregates
for 50,000 conversations (the desk's Django in this process, its own temporary database).
Prints the time per range and the number of queries; asserts nothing about the time."""

from __future__ import annotations

import statistics
import time

from tests.harness.desk import make_user, start_desk_django
from tests.harness.insight import seed_aggregates

RUNS = 20


def main() -> None:
    start_desk_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("flush", interactive=False, verbosity=0)
    began = time.perf_counter()
    seed_aggregates(50_000, days=365)
    print(f"seeded a year of aggregates for 50,000 conversations in {time.perf_counter() - began:.1f} s")
    client = Client()
    client.force_login(make_user("bench", "advisor"))
    for label, query in (("30 days", ""), ("a year", "?fra=2000-01-01"), ("CSV, a year", "")):
        path = "/insight/samtaler.csv?fra=2000-01-01" if label.startswith("CSV") else f"/insight/{query}"
        times = []
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - began)
            assert response.status_code == 200
        print(
            f"{label:12} median {1000 * statistics.median(times):6.1f} ms, "
            f"max {1000 * max(times):6.1f} ms, {len(queries)} queries"
        )


if __name__ == "__main__":
    main()
