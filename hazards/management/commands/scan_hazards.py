"""`manage.py scan_hazards [--today YYYY-MM-DD]`: send the colour reminders due on a day, now."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hazards.rechecks import run_draw
from hazards.scan import CHUNK_SIZE, run_scan
from yingji.context import acting_as_system


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from exc


class Command(BaseCommand):
    help = "扫描隐患整改期限：发送临期、逾期提醒和逾期升级通知（可指定日期）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=_date, help="按该日期计算颜色（默认今天），用于测试和补发")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="每批处理的隐患数")
        parser.add_argument("--rechecks", action="store_true", help="同时抽取上月已核销隐患的回头看")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size 应为正整数")
        started = time.perf_counter()
        with acting_as_system("scan_hazards"):
            result = run_scan(options.get("today"), chunk_size=options["chunk_size"])
            drawn = run_draw(options.get("today")).drawn if options["rechecks"] else None
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"{result.today}：检查 {result.examined} 条到期隐患，发出临期提醒 {result.yellow}、逾期提醒 {result.red}、"
            f"升级 {result.escalated}（{result.notifications} 条通知），{result.lost} 条已由其他进程处理，"
            f"用时 {seconds:.1f} 秒"
        )
        if drawn is not None:
            self.stdout.write(f"抽取回头看 {drawn} 条")
