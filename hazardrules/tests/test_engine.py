"""GB 35181 determination: the worked examples of rules.md §2.6 and boundary cases."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from hazardrules.engine import Determination, RuleTableUnavailable, determine_fire, table_for

pytestmark = pytest.mark.django_db

ON = date(2024, 6, 1)


def judge(
    category: str, direct: list[str] = (), composite: list[str] = (), exclusions: list[str] = (), on: date = ON
) -> Determination:  # type: ignore[assignment]
    return determine_fire(on, category, list(direct), list(composite), list(exclusions))


# --- rules.md §2.6 worked examples -------------------------------------------------------


def test_ktv_without_required_sprinklers_is_major_by_direct_6_6() -> None:
    result = judge("crowded", direct=["6.6"])
    assert result == Determination(True, ["6.6"], "GB35181-2017", result.explanation)
    assert "6.6" in result.explanation[0]


def test_hotel_with_broken_sprinkler_pump_and_10pct_lights_broken_is_not_major() -> None:
    # 6.6 is not triggered (the system exists): one composite element 7.4.6; 2 of 20 lights is below 7.3.6.
    result = judge("crowded", composite=["7.4.6"])
    assert result.major is False
    assert result.basis == []


def test_shop_with_exits_at_78_percent_is_major_by_direct_6_5() -> None:
    result = judge("crowded", direct=["6.5"])
    assert (result.major, result.basis) == (True, ["6.5"])


def test_shop_with_exits_at_exactly_80_percent_goes_to_composite_judgement() -> None:
    # Not 6.5 ("小于80%"); the finding enters the composite judgement, here with no other element.
    result = judge("crowded", composite=[])
    assert result.major is False
    assert any("规则 a)" in line for line in result.explanation)


def test_crowded_place_with_7_3_3_7_3_5_and_7_5_is_major_by_rule_a() -> None:
    result = judge("crowded", composite=["7.3.3", "7.3.5", "7.5"])
    assert (result.major, result.basis, result.rule_version) == (True, ["7.3.3", "7.3.5", "7.5"], "GB35181-2017")
    assert "a)" in result.explanation[0]


def test_warehouse_with_five_composite_elements_is_not_major() -> None:
    result = judge("other", composite=["7.1.1", "7.2.1", "7.4.3", "7.6.1", "7.8.2"])
    assert result.major is False


@pytest.mark.parametrize(
    "case",
    [
        {"category": "crowded", "direct": ["6.6"]},
        {"category": "crowded", "direct": ["6.5"]},
        {"category": "crowded", "composite": ["7.3.3", "7.3.5", "7.5"]},
        {"category": "other", "composite": ["7.1.1", "7.2.1", "7.4.3", "7.6.1", "7.8.2", "7.9.1"]},
    ],
)
def test_any_case_of_a_closed_place_is_not_major_by_5_1_3b(case: dict[str, object]) -> None:
    result = judge(exclusions=["5.1.3b"], **case)  # type: ignore[arg-type]
    assert (result.major, result.basis) == (False, ["5.1.3b"])


# --- boundaries ----------------------------------------------------------------------------


def test_crowded_with_two_counted_elements_is_not_major_and_three_is() -> None:
    assert judge("crowded", composite=["7.3.1", "7.3.2"]).major is False
    assert judge("crowded", composite=["7.3.1", "7.3.2", "7.9.3"]).major is True


def test_crowded_counts_only_the_counted_set_for_rule_a() -> None:
    # 7.3.10 and 7.4.1 are composite but outside "7.3.1–7.3.9, 7.5, 7.9.3": 2 counted + 1 other → not major.
    result = judge("crowded", composite=["7.3.1", "7.5", "7.4.1"])
    assert result.major is False
    assert judge("crowded", composite=["7.3.9", "7.3.10", "7.9.4"]).major is False


def test_crowded_with_three_counted_of_four_is_major_by_rule_a_with_the_counted_basis() -> None:
    result = judge("crowded", composite=["7.3.1", "7.5", "7.9.3", "7.4.1"])
    assert result.basis == ["7.3.1", "7.5", "7.9.3"]
    assert "a)" in result.explanation[0]


def test_crowded_with_two_counted_plus_two_others_is_major_by_rule_c() -> None:
    # 3 chosen elements of which one is outside the counted set, plus a 4th: rule a) fails (2), rule c) holds (4).
    result = judge("crowded", composite=["7.3.1", "7.5", "7.4.1", "7.6.2"])
    assert result.major is True
    assert result.basis == ["7.3.1", "7.4.1", "7.5", "7.6.2"]
    assert "c)" in result.explanation[0]


def test_other_place_with_five_is_not_major_and_six_is_by_rule_d() -> None:
    five = ["7.1.1", "7.2.1", "7.4.3", "7.6.1", "7.8.2"]
    assert judge("other", composite=five).major is False
    result = judge("other", composite=[*five, "7.9.5"])
    assert result.major is True
    assert "d)" in result.explanation[0]


def test_other_place_is_not_judged_by_the_four_element_rule() -> None:
    assert judge("other", composite=["7.1.1", "7.2.1", "7.4.3", "7.6.1"]).major is False
    assert judge("important", composite=["7.1.1", "7.2.1", "7.4.3", "7.6.1"]).major is True


def test_flammable_threshold_counts_7_1_1_to_7_1_3_7_4_5_and_7_4_6() -> None:
    assert judge("flammable", composite=["7.1.1", "7.4.5"]).major is False
    result = judge("flammable", composite=["7.1.1", "7.4.5", "7.4.6"])
    assert (result.major, result.basis) == (True, ["7.1.1", "7.4.5", "7.4.6"])
    assert "b)" in result.explanation[0]
    # 3 elements but only 2 in the flammable set → below b) and below c) (4).
    assert judge("flammable", composite=["7.1.1", "7.1.2", "7.3.3"]).major is False


def test_flammable_set_does_not_apply_to_a_crowded_place() -> None:
    assert judge("crowded", composite=["7.1.1", "7.1.2", "7.1.3"]).major is False


def test_exclusion_overrides_a_direct_element() -> None:
    result = judge("crowded", direct=["6.6", "6.8"], exclusions=["5.1.3a", "5.1.3c"])
    assert (result.major, result.basis) == (False, ["5.1.3a", "5.1.3c"])


def test_direct_basis_lists_every_direct_code_present_in_table_order() -> None:
    result = judge("other", direct=["6.10", "6.2", "6.2"], composite=["7.1.1"])
    assert result.basis == ["6.2", "6.10"]


def test_empty_lists_are_not_major() -> None:
    result = judge("crowded")
    assert (result.major, result.basis, result.rule_version) == (False, [], "GB35181-2017")


# --- versions by date ----------------------------------------------------------------------


def test_last_day_of_the_2017_table_still_decides() -> None:
    assert judge("crowded", direct=["6.6"], on=date(2025, 10, 31)).rule_version == "GB35181-2017"


def test_first_day_of_2025_is_refused_and_never_judged_under_2017() -> None:
    with pytest.raises(RuleTableUnavailable) as exc:
        judge("crowded", direct=["6.6"], on=date(2025, 11, 1))
    message = " ".join(exc.value.messages)
    assert "GB35181-2025" in message
    assert "2025-11-01 之前" in message
    assert "县级管理员" in message


def test_first_day_of_the_2017_table() -> None:
    assert table_for(date(2018, 7, 1)).code == "GB35181-2017"
    with pytest.raises(RuleTableUnavailable, match="没有施行中的"):
        table_for(date(2018, 6, 30))


# --- bad input ---------------------------------------------------------------------------


def test_unknown_codes_are_named() -> None:
    with pytest.raises(ValidationError) as exc:
        judge("crowded", direct=["6.11"], composite=["7.3.3", "9.9"])
    errors = exc.value.message_dict
    assert "6.11" in errors["direct"][0]
    assert "9.9" in errors["composite"][0]


def test_direct_code_in_composite_list_and_vice_versa_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        judge("crowded", direct=["7.3.3"], composite=["6.6"], exclusions=["6.1"])
    errors = exc.value.message_dict
    assert "7.3.3 是综合判定要素" in errors["direct"][0]
    assert "6.6 是直接判定要素" in errors["composite"][0]
    assert "6.1" in errors["exclusions"][0]


def test_unknown_category_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        judge("school")
    assert "school" in exc.value.message_dict["category"][0]
