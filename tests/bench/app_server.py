"""The web application under uvicorn, as ``saypro serve`` runs it, for the API benchmark.

Started by run.py as a separate process (so the load generator does not share its
interpreter); the servers come from BENCH_* environment variables.
"""

from __future__ import annotations

import cProfile
import os
import signal
import sys
from types import FrameType

import uvicorn

from saypro.platform.logging import configure_logging
from saypro.platform.services import Services
from saypro.platform.settings import DatabaseUrls, Settings
from saypro.platform.web.app import create_app
from tests.servers import TEST_SECRET_KEY


def main() -> None:
    settings = Settings(SECRET_KEY=TEST_SECRET_KEY, LOG_LEVEL="WARNING")
    configure_logging(settings.log_level, settings.log_format)
    database = DatabaseUrls(
        owner=os.environ["BENCH_OWNER_URL"],
        runtime=os.environ["BENCH_RUNTIME_URL"],
        runtime_password=None,
    )
    services = Services(database=database, redis_url=os.environ["BENCH_REDIS_URL"])
    # BENCH_PROFILE=<file>: the whole server run under cProfile, stats written on exit.
    profile_path = os.environ.get("BENCH_PROFILE")
    profiler = cProfile.Profile() if profile_path else None
    if profiler is not None and profile_path:
        active, path = profiler, profile_path

        def dump(_signum: int, _frame: FrameType | None) -> None:
            # uvicorn shuts down on SIGTERM, then raises it again with the handler it found.
            active.disable()
            active.dump_stats(f"{path}.{os.getpid()}")
            sys.exit(0)

        signal.signal(signal.SIGTERM, dump)
        profiler.enable()
    uvicorn.run(
        create_app(settings, services),
        host="127.0.0.1",
        port=int(os.environ["BENCH_PORT"]),
        log_config=None,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
