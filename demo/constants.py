"""Fixed facts of the demo county that the README, the tests and the benchmarks rely on.

The county is synthetic: real township names of 象山县 (a coastal county of Ningbo,
Zhejiang) placed on generated boundaries; villages, grids and people are invented.
"""

from __future__ import annotations

COUNTY_CODE = "330225"
COUNTY_NAME = "象山县"

# (code, name, kind) in the order the seeder creates them; `small` takes SMALL_TOWNSHIPS.
TOWNSHIPS: list[tuple[str, str, str]] = [
    ("330225001", "丹东街道", "street"),
    ("330225002", "丹西街道", "street"),
    ("330225003", "爵溪街道", "street"),
    ("330225100", "石浦镇", "town"),
    ("330225101", "西周镇", "town"),
    ("330225102", "鹤浦镇", "town"),
    ("330225103", "贤庠镇", "town"),
    ("330225104", "墙头镇", "town"),
    ("330225105", "泗洲头镇", "town"),
    ("330225106", "定塘镇", "town"),
    ("330225107", "涂茨镇", "town"),
    ("330225108", "大徐镇", "town"),
    ("330225109", "新桥镇", "town"),
    ("330225200", "东陈乡", "xiang"),
    ("330225201", "晓塘乡", "xiang"),
    ("330225202", "黄避岙乡", "xiang"),
]
SMALL_TOWNSHIPS = ["330225001", "330225100", "330225200"]

TOWNSHIP_A = "330225001"  # 丹东街道: home of most demo accounts
TOWNSHIP_B = "330225100"  # 石浦镇: the "other township" for outsider checks
VILLAGE_A = "330225001001"  # first community of 丹东街道
GRID_A = "330225001001001"  # first grid of VILLAGE_A

DEMO_PASSWORD = "Yingji@2026"  # noqa: S105 - published demo credential, refused in prod by README guidance

# username, role, jurisdiction code
DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    ("county_admin", "county_admin", COUNTY_CODE),
    ("leader", "leader", COUNTY_CODE),
    ("auditor", "auditor", COUNTY_CODE),
    ("township_admin", "township_admin", TOWNSHIP_A),
    ("township_staff", "township_staff", TOWNSHIP_A),
    ("village_cadre", "village_cadre", VILLAGE_A),
    ("grid_worker", "grid_worker", GRID_A),
    ("enterprise_user", "enterprise_user", GRID_A),
    ("shipu_admin", "township_admin", TOWNSHIP_B),
]
