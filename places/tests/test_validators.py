"""Credit codes (GB 32100) and the coordinate conversions of places.coords."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from places.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    distance_m,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_gcj02,
)
from places.validators import CREDIT_CODE_CHARSET, credit_code_check_char, normalize_credit_code, validate_credit_code


def build(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


class TestCreditCode:
    # Constructed in the real layout: 9 (工商) 1 (企业) 330225 (象山) + 9-character organisation code.
    VALID = [build("91330225MA2AJ6X7X"), build("92330225MA2H3K4L5"), build("12330225002581234"), build("91330200144070356")]

    def test_check_character_follows_the_weights_by_hand(self) -> None:
        # Σ value×weight for 91330225MA2AJ6X7X, computed independently: C18 = 31 − Σ mod 31.
        first17 = "91330225MA2AJ6X7X"
        values = [CREDIT_CODE_CHARSET.index(c) for c in first17]
        weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
        total = sum(v * w for v, w in zip(values, weights, strict=True))
        assert credit_code_check_char(first17) == CREDIT_CODE_CHARSET[(31 - total % 31) % 31]

    def test_remainder_zero_gives_check_character_zero(self) -> None:
        # All zeros: Σ = 0, 31 − 0 = 31 → 0 (not index 31, which does not exist).
        assert credit_code_check_char("0" * 17) == "0"

    @pytest.mark.parametrize("code", VALID)
    def test_valid_codes_pass(self, code: str) -> None:
        validate_credit_code(code)

    def test_lower_case_and_full_width_are_normalised(self) -> None:
        code = self.VALID[0]
        full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
        assert normalize_credit_code(f" {full_width} ") == code
        validate_credit_code(full_width)

    def test_one_changed_character_is_caught_by_the_check(self) -> None:
        code = self.VALID[0]
        wrong = code[:17] + ("0" if code[17] != "0" else "1")
        with pytest.raises(ValidationError, match="校验位不正确"):
            validate_credit_code(wrong)

    @pytest.mark.parametrize(("code", "message"), [("91330225MA2AJ6X7", "18 位"), ("91330225MA2AJ6IO01", "不允许的字符"), ("9133022SMA2AJ6X7X0", "不允许的字符")])
    def test_bad_length_and_characters_say_what_is_wrong(self, code: str, message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            validate_credit_code(code)


class TestCoordinates:
    # Published reference values (wandergis/coordtransform test): WGS (116.404, 39.915).
    WGS = (116.404, 39.915)
    GCJ = (116.41024449916938, 39.91640428150164)
    BD_OF_GCJ_INPUT = (116.41036949371029, 39.92133699351021)  # gcj02tobd09(116.404, 39.915)

    def test_forward_transforms_match_published_values(self) -> None:
        assert wgs84_to_gcj02(*self.WGS) == pytest.approx(self.GCJ, abs=1e-9)
        assert gcj02_to_bd09(*self.WGS) == pytest.approx(self.BD_OF_GCJ_INPUT, abs=1e-9)

    def test_gcj02_inverse_is_within_a_centimetre(self) -> None:
        assert distance_m(gcj02_to_wgs84(*self.GCJ), self.WGS) < 0.01

    def test_bd09_inverse_is_within_a_centimetre(self) -> None:
        assert distance_m(bd09_to_gcj02(*self.BD_OF_GCJ_INPUT), self.WGS) < 0.01

    @pytest.mark.parametrize("point", [(121.8723, 29.4768), (121.955, 29.215), (87.6, 43.8), (126.6, 45.75), (110.3, 20.0)])
    def test_round_trip_across_china_is_under_a_centimetre(self, point: tuple[float, float]) -> None:
        bd = gcj02_to_bd09(*wgs84_to_gcj02(*point))
        assert distance_m(bd09_to_wgs84(*bd), point) < 0.01
        assert distance_m(to_wgs84(*wgs84_to_gcj02(*point), "gcj02"), point) < 0.02

    def test_the_offset_in_xiangshan_is_hundreds_of_metres(self) -> None:
        # Not converting would misplace a place by roughly half a kilometre: enough to land in the wrong grid.
        assert 300 < distance_m(wgs84_to_gcj02(121.8723, 29.4768), (121.8723, 29.4768)) < 800

    def test_no_conversion_outside_china(self) -> None:
        assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
        assert gcj02_to_wgs84(-73.98, 40.75) == (-73.98, 40.75)

    def test_unknown_system_is_refused(self) -> None:
        with pytest.raises(ValueError):
            to_wgs84(121.0, 29.0, "utm")
