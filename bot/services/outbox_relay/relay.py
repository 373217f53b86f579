"""`python -m bot.services.outbox_relay`: delivers the booking outbox while the service is back.

Started by `make run` (bot/launch/processes.py) beside the action server (same machine, same outbox file)."""

from __future__ import annotations

import logging
import signal
import time

from bot.core.booking.client import BookingClient
from bot.core.booking.outbox import Outbox, deliver_due
from bot.core.settings import BookingClientSettings

log = logging.getLogger("vejviser.outbox")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    interval = BookingClientSettings.from_env().outbox_interval_seconds
    outbox, client = Outbox.shared(), BookingClient.shared()
    running = True

    def stop(*_args: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("outbox relay: %s every %.0f s", outbox.location, interval)
    while running:
        delivered, failed = deliver_due(outbox, client)
        if delivered or failed:
            waiting, dead = outbox.counts()
            log.info("outbox: delivered %d, failed %d, waiting %d, refused %d", delivered, failed, waiting, dead)
        time.sleep(interval)


if __name__ == "__main__":
    main()
