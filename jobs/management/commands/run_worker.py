"""`manage.py run_worker`: the background worker (run as many as you like)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from jobs.runner import run_forever


class Command(BaseCommand):
    help = "运行后台任务进程（定时任务、投递、升级）。可同时运行多个。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="只运行一轮后退出")
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        run_forever(options["worker_id"], once=options["once"], stop=stop)
