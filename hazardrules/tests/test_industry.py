"""应急管理部令第10号 catalogue (rules.md §3.1) and the place-kind suggestions."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from hazardrules.engine import determine_industry, industry_items
from hazardrules.mapping import suggest
from places.models import PlaceKind

pytestmark = pytest.mark.django_db

ON = date(2024, 6, 1)


def codes(items: list) -> list[str]:  # type: ignore[type-arg]
    return [i.code for i in items]


def test_every_industry_gets_the_scope_note_and_the_general_articles() -> None:
    for industry in ["冶金", "有色", "建材", "机械", "轻工", "纺织", "烟草", "商贸"]:
        got = codes(industry_items(industry, ON))
        assert got[0] == "2"
        assert {"3.1", "3.2", "3.3", "14"} <= set(got)
        assert not {"11.1", "12.1", "13.1"} & set(got)


def test_scope_note_sends_fire_gas_chemicals_and_special_equipment_to_their_own_rules() -> None:
    note = industry_items("机械", ON)[0]
    assert note.decisive is False
    for word in ("危险化学品", "消防", "燃气", "特种设备"):
        assert word in note.text


def test_metallurgy_has_article_four_items_and_trade_has_no_article_of_its_own() -> None:
    assert {"4.1", "4.2", "4.3", "4.4"} <= set(codes(industry_items("冶金", ON)))
    trade = industry_items("商贸", ON)
    assert {i.article for i in trade} == {2, 3, 14}


def test_cross_cutting_flags_add_articles_eleven_to_thirteen() -> None:
    got = codes(industry_items("轻工", ON, dust=True, ammonia=True, confined_space=True))
    assert [f"11.{n}" for n in range(1, 11)] == [c for c in got if c.startswith("11.")]
    assert {"12.1", "12.2", "13.1", "13.2"} <= set(got)


def test_unverified_items_are_flagged() -> None:
    items = {i.code: i for i in industry_items("轻工", ON, dust=True, ammonia=True)}
    assert items["12.2"].flagged and items["12.2"].verification == "[R]"
    assert items["11.10"].flagged
    assert not items["11.1"].flagged


# rules.md §3.1 worked examples


def test_textile_electrician_without_certificate_is_major_by_article_3_item_2() -> None:
    result = determine_industry("纺织", ["3.2"], ON)
    assert (result.major, result.basis) == (True, ["3.2"])
    assert "第三条第（二）项" in result.explanation[0]


def test_flour_mill_office_in_dust_zone_is_major_by_article_11_item_1() -> None:
    assert determine_industry("轻工", ["11.1"], ON, dust=True).major is True


def test_woodwork_dry_collector_without_explosion_control_is_major_by_article_11_item_3() -> None:
    assert determine_industry("轻工", ["11.3"], ON, dust=True).basis == ["11.3"]


def test_cold_store_quick_freeze_item_is_article_12_item_2() -> None:
    # "超过9人": the user ticks it for 12 workers, not for 9; the item text carries the threshold.
    item = next(i for i in industry_items("轻工", ON, ammonia=True) if i.code == "12.2")
    assert "超过9人" in item.text
    assert determine_industry("轻工", ["12.2"], ON, ammonia=True).major is True
    assert determine_industry("轻工", [], ON, ammonia=True).major is False


def test_dust_item_without_the_dust_flag_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"11\.1"):
        determine_industry("纺织", ["11.1"], ON)


def test_not_encoded_articles_are_shown_but_cannot_be_ticked() -> None:
    textile = [i for i in industry_items("纺织", ON) if i.article == 9]
    assert len(textile) == 1 and textile[0].decisive is False and textile[0].verification == "[NF]"
    with pytest.raises(ValidationError):
        determine_industry("纺织", ["9"], ON)


def test_unknown_industry_and_dates_before_order_10_are_refused() -> None:
    with pytest.raises(ValidationError, match="化工"):
        industry_items("化工", ON)
    with pytest.raises(ValidationError, match="2023-05-15"):
        industry_items("纺织", date(2023, 5, 14))
    assert industry_items("纺织", date(2023, 5, 15))


def test_place_kinds_suggest_category_and_industry() -> None:
    kinds = {k.code: k for k in PlaceKind.objects.all()}
    assert suggest(kinds["pg_entertainment"]).category == "crowded"
    assert suggest(kinds["school"]).category == "crowded"
    assert suggest(kinds["hz_fuel_station"]).category == "flammable"
    assert suggest(kinds["ind_fireworks"]).category == "flammable"
    assert suggest(kinds["warehouse"]).category == "other"
    textile = suggest(kinds["ind_textile"])
    assert (textile.category, textile.industry) == ("crowded", "纺织")
    assert suggest(kinds["ind_machinery"]).industry == "机械"
    seafood = suggest(kinds["ind_seafood"])
    assert (seafood.industry, seafood.ammonia) == ("轻工", True)
    assert suggest(kinds["ind_woodwork"]).dust is True
    assert suggest(kinds["pg_mall"]).industry == "商贸"
    chemical = suggest(kinds["ind_chemical"])
    assert chemical.industry == "" and "不适用令第10号" in chemical.industry_reason
    assert suggest(None).category == "other"
    assert suggest(SimpleNamespace(code="x", name="x", industry="", category="other")).industry == ""
