"""`manage.py seed_demo --scale small|county`: load the synthetic demo county 象山县."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.choices import Scale
from demo.constants import DEMO_ACCOUNTS, DEMO_PASSWORD
from demo.seeding import DemoSeedRefused, seed_demo
from jurisdictions.models import Jurisdiction


class Command(BaseCommand):
    help = (
        "加载演示县（象山县，合成数据）：辖区与边界、人员与岗位、演示账号。只能加载到空数据库，重复运行不会重复加载。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=Scale.values,
            default=Scale.SMALL,
            help="small：3 个乡镇的缩微版（测试用）；county：全县 16 个乡镇、约 350 个村社、约 2000 个网格。",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库中已有辖区数据（无论何种规模或真实数据）时直接跳过，不报错。make run 使用此选项。",
        )

    def handle(self, *args: Any, scale: str, verbosity: int = 1, **options: Any) -> None:
        report = self.stdout.write if verbosity >= 1 else None
        if options.get("if_empty") and Jurisdiction.unscoped.exists():
            if report:
                report("数据库中已有辖区数据，跳过演示数据加载。")
            return
        if report:
            report(f"加载演示数据（{Scale(scale).label}，--scale {scale}）")
        try:
            result = seed_demo(scale, report=report or (lambda _line: None))
        except DemoSeedRefused as exc:
            raise CommandError(str(exc)) from exc
        if not result.created:
            if report:
                report(self.style.WARNING(f"演示数据（{Scale(scale).label}）已经加载过，未做任何更改。"))
            return
        if report:
            report(self.style.SUCCESS(f"演示数据加载完成，共用时 {result.seconds:.2f} 秒。"))
            if verbosity >= 2:
                for username, role, code in DEMO_ACCOUNTS:
                    report(f"  账号 {username:<16} 角色 {role:<16} 辖区 {code}")
            report(f"演示账号：{', '.join(u for u, _r, _c in DEMO_ACCOUNTS)}；密码：{DEMO_PASSWORD}")
