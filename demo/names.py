"""Invented but plausible names: villages and communities of a Zhejiang coast, and people.

Only the pools live here; which name goes where is decided by the planners with their own
seeded random generators.
"""

from __future__ import annotations

import random

# Village names: a first character (direction, surname, landform) and a coastal place word,
# sometimes a surname + 家 + place word (王家岙). Gives names such as 东岙, 下沈, 塘头, 石浦.
VILLAGE_FIRST = "东西南北上下前后大小新老高里外中沈陈王周金黄杨胡叶应鲍俞史欧倪石岩沙白青松竹梅桃龙凤马鹤渔盐溪洋湖塘田"
VILLAGE_PLACE = "岙塘头浦湾山岭坑溪桥港墩田洋屿礁埠门岗庄跟嘴碶渡林园岸"
VILLAGE_CLAN = "王陈沈周金黄杨胡叶应鲍俞史林吴徐郑"

# Community names: the good-omen and urban words local 社区 usually carry.
_COMMUNITY_WORDS = (
    "海韵丹凤天安东谷桃源蓬莱丹峰新丰城东城南西谷白鹤金海滨海港城碧海阳光梅园"
    "丹阳文峰北门南门东门西门建设朝阳和平金星银湾塔山灵岩丹城新城春晓秋实翠屏"
    "东塔海港海景望海渔港鹤鸣凤鸣锦绣溪口江南仁和兴港福源临港月湾星光"
)
COMMUNITY_NAMES = tuple(_COMMUNITY_WORDS[i : i + 2] for i in range(0, len(_COMMUNITY_WORDS), 2))

# Surnames weighted roughly as in Ningbo; the weights only need to look right in a list.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("陈", 12), ("王", 9), ("张", 7), ("李", 6), ("林", 5), ("黄", 5), ("周", 5), ("吴", 5), ("徐", 5),
    ("杨", 4), ("郑", 4), ("朱", 3), ("胡", 4), ("何", 2), ("俞", 3), ("史", 3), ("孙", 3), ("叶", 3),
    ("应", 3), ("鲍", 2), ("欧", 2), ("沈", 3), ("金", 3), ("蒋", 2), ("赵", 3), ("刘", 4), ("施", 2),
    ("韩", 1), ("毛", 2), ("方", 2), ("潘", 2), ("贺", 1), ("邵", 2), ("倪", 2), ("葛", 1), ("范", 1),
)  # fmt: skip
_SURNAME_CHARS = [s for s, _ in SURNAMES]
_SURNAME_WEIGHTS = [w for _, w in SURNAMES]

GIVEN_MALE = "伟强军杰涛斌浩明华建国海波峰磊志勇俊宏林立平东辉鹏飞刚晨宇航栋良忠祥锋超毅松亮文"
GIVEN_FEMALE = "芳娟敏静丽燕霞萍红玲婷雪琴慧洁颖莉佳倩璐雅兰英艳美琳珍秀月露梅君虹洁"
GIVEN_SHARED = "晓海建佳一文春永雨立思欣家子"


def person_name(rng: random.Random, gender: str) -> str:
    """A surname plus a one- or two-character given name fitting the gender ("M"/"F")."""
    surname = rng.choices(_SURNAME_CHARS, weights=_SURNAME_WEIGHTS)[0]
    own = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
    if rng.random() < 0.3:
        return surname + rng.choice(own)
    first = rng.choice(GIVEN_SHARED + own)
    return surname + first + rng.choice(own)


def village_base_name(rng: random.Random) -> str:
    """A village name without 村, e.g. 东岙, 下沈, 塘头, 王家岙."""
    if rng.random() < 0.15:
        return rng.choice(VILLAGE_CLAN) + "家" + rng.choice(VILLAGE_PLACE)
    first = rng.choice(VILLAGE_FIRST)
    second = rng.choice(VILLAGE_PLACE + VILLAGE_CLAN)
    while second == first:
        second = rng.choice(VILLAGE_PLACE)
    return first + second


def community_base_name(rng: random.Random) -> str:
    """A community name without 社区: mostly an urban word, sometimes an old village name."""
    if rng.random() < 0.25:
        return village_base_name(rng)
    return rng.choice(COMMUNITY_NAMES)
