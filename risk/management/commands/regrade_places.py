"""`manage.py regrade_places [--jurisdiction CODE]`: re-grade places now, in this process."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jurisdictions.models import Jurisdiction
from risk.choices import AssessmentCause
from risk.regrade import CHUNK_SIZE, regrade_all
from yingji.context import acting_as_system


class Command(BaseCommand):
    help = "重新计算场所风险等级和下次检查日期（默认全部场所）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jurisdiction", help="只处理该辖区代码及其下级的场所")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="每批处理的场所数")

    def handle(self, *args: Any, **options: Any) -> None:
        path = ""
        if options.get("jurisdiction"):
            node = Jurisdiction.unscoped.filter(code=options["jurisdiction"]).first()
            if node is None:
                raise CommandError(f"辖区代码 {options['jurisdiction']} 不存在")
            path = node.path
        started = time.perf_counter()
        with acting_as_system("regrade_places"):
            run = regrade_all(AssessmentCause.MANUAL, jurisdiction_path=path, chunk_size=options["chunk_size"])
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"已处理 {run.places_seen} 个场所，{run.places_changed} 个等级或分值变化，用时 {seconds:.1f} 秒"
        )
