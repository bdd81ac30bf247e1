"""`manage.py run_platform`: the web server and the background worker, supervised together.

This is the single-machine way to run Yingji (what `make run` calls). In production run
`gunicorn yingji.wsgi` and `manage.py run_worker` as separate services, as many of each
as needed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动 Web 服务与后台任务进程（单机运行）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        web = [
            python, "-m", "gunicorn", "yingji.wsgi:application",
            "--bind", f"{options['host']}:{options['port']}",
            "--workers", str(options["web_workers"]), "--threads", "4",
            "--access-logfile", "-", "--graceful-timeout", "10",
        ]
        worker = [python, "manage.py", "run_worker"]
        # Links in messages (acknowledgement links) point at this server unless a public
        # address is configured; the worker that writes them inherits the environment.
        os.environ.setdefault("PUBLIC_BASE_URL", f"http://{options['host']}:{options['port']}")
        processes = {"web": subprocess.Popen(web), "worker": subprocess.Popen(worker)}  # noqa: S603
        self.stdout.write(self.style.SUCCESS(
            f"应急消防治理平台已启动： http://{options['host']}:{options['port']}/  （Ctrl+C 停止）"
        ))
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in processes.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} 进程已退出（{proc.returncode}），正在停止平台")
                        stopping = True
                time.sleep(0.5)
        finally:
            for proc in processes.values():
                if proc.poll() is None:
                    proc.terminate()
            for proc in processes.values():
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
