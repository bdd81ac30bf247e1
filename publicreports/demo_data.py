"""Demo step: a handful of public reports in every state, so the triage queue and the
outcome page have something to show. They go through the real actions (submission with its
guards, acceptance into a hazard, rejection, duplicate, reward), dated over the past days.
"""

from __future__ import annotations

from datetime import timedelta

from shapely.geometry import shape

from accounts.models import User
from demo.constants import GRID_A, TOWNSHIP_B, VILLAGE_A
from demo.context import DemoContext
from demo.registry import demo_step
from hazards.choices import HazardCategory, HazardType
from publicreports import actions
from publicreports.choices import SubmittedVia
from publicreports.models import PublicReport

# (days ago, where: jurisdiction code (its point) or "" for none, description, address, phone)
REPORTS: list[tuple[int, str, str, str, str]] = [
    (9, GRID_A, "丹河路菜市场东门的消防通道被三轮车和杂物堵死，已经两个多星期了。", "丹河路菜市场东门", "13805740001"),
    (8, GRID_A, "东门通道还是被堵，早上有消防车进不去的情况，请尽快处理。", "丹河路菜市场东门", ""),
    (6, GRID_A, "小区地下车库有人把电动车电池拿回家里充电，楼道里拉了插线板。", "靖南小区5幢楼道", "13805740002"),
    (4, VILLAGE_A, "老街一家饭店后厨液化气瓶放在灶台旁边，软管老化开裂。", "老街中段饭店后厨", ""),
    (2, TOWNSHIP_B, "石浦渔港码头加油点旁边堆放了很多油桶，还有人在附近抽烟。", "石浦渔港码头", "13805740003"),
    (1, GRID_A, "楼下早餐店门口放了好几个煤气罐，太阳直晒。", "", ""),
]


def _point(ctx: DemoContext, code: str) -> tuple[float | None, float | None]:
    node = ctx.nodes_by_code.get(code)
    if node is None or not node.boundary:
        return None, None
    point = shape(node.boundary).representative_point()
    return round(point.x, 7), round(point.y, 7)


@demo_step(order=860, label="群众举报")
def seed_public_reports(ctx: DemoContext) -> str:
    from django.utils import timezone

    if not ctx.nodes_by_code.get(GRID_A):
        return "跳过（无演示辖区）"
    staff = User.unscoped.filter(username="township_staff").first()
    shipu = User.unscoped.filter(username="shipu_admin").first()
    now = timezone.now()
    reports: list[PublicReport] = []
    for index, (days, code, text, address, phone) in enumerate(REPORTS):
        lng, lat = _point(ctx, code) if code else (None, None)
        report, _created = actions.submit_report(
            description=text,
            fingerprint=actions.fingerprint_of(f"demo-{index}"),
            lng=lng,
            lat=lat,
            address=address,
            phone=phone,
            anonymous=not phone,
            via=SubmittedVia.DEMO,
            now=now - timedelta(days=days, hours=index),
        )
        reports.append(report)
    if staff is not None:
        first = actions.accept(
            reports[0],
            by=staff,
            category=HazardCategory.UNSAFE_CONDITION,
            hazard_type=HazardType.FIRE,
            interim_measures="已通知市场管理方先行清理",
        )
        actions.record_reward(first, by=staff, amount="200", note="依据县安全隐患举报奖励办法，经核实属实")
        actions.mark_duplicate(reports[1], by=staff, of_report=first, note="与同一通道的前一条举报合并处理")
        actions.accept(reports[2], by=staff, category=HazardCategory.UNSAFE_ACT, hazard_type=HazardType.ELECTRICAL)
        actions.reject(
            reports[3], by=staff, reason="经现场核查，该饭店已更换燃气软管并将气瓶移至独立气瓶间，现状符合要求。"
        )
    if shipu is not None:
        actions.reject(reports[4], by=shipu, reason="码头油桶为空桶，已由码头管理方当日清运；吸烟问题已提醒。")
    return f"{len(reports)} 条群众举报"
