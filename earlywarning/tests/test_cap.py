"""CAP 1.2 output: valid against the official schema, required elements, value sets, escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

import pytest
from lxml import etree

from earlywarning import actions
from earlywarning.cap import CAP_NS, LEVEL_TO_CAP, build_cap, cap_time, identifier_of
from earlywarning.tests.cap_schema import official_cap_schema

XSD = official_cap_schema()
NS = {"cap": CAP_NS}
CATEGORIES = {"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def assert_valid(schema: etree.XMLSchema, xml: str) -> ET.Element:
    document = etree.fromstring(xml.encode())
    assert schema.validate(document), schema.error_log
    return ET.fromstring(xml.encode())  # noqa: S314 - our own output, already validated by lxml


def test_alert_is_valid_and_carries_the_required_elements(make_draft: Any, staff: Any, schema: Any) -> None:
    warning = actions.issue(make_draft(level="orange"), by=staff)
    root = assert_valid(schema, warning.messages.get().cap_xml)
    for tag in ("identifier", "sender", "sent", "status", "msgType", "scope"):
        assert root.find(f"cap:{tag}", NS) is not None, tag
    assert root.findtext("cap:status", namespaces=NS) == "Actual"
    assert root.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert root.findtext("cap:scope", namespaces=NS) == "Public"
    info = root.find("cap:info", NS)
    assert info is not None
    assert info.findtext("cap:language", namespaces=NS) == "zh-CN"
    assert info.findtext("cap:category", namespaces=NS) in CATEGORIES
    urgency, severity, certainty = LEVEL_TO_CAP["orange"]
    assert (info.findtext("cap:urgency", namespaces=NS), info.findtext("cap:severity", namespaces=NS)) == (urgency, severity)
    assert info.findtext("cap:certainty", namespaces=NS) == certainty
    assert info.findtext("cap:effective", namespaces=NS) == cap_time(warning.starts_at)
    assert info.findtext("cap:expires", namespaces=NS).endswith("+08:00")  # type: ignore[union-attr]
    area = info.find("cap:area", NS)
    assert area is not None
    assert area.findtext("cap:areaDesc", namespaces=NS)
    assert [g.findtext("cap:value", namespaces=NS) for g in area.findall("cap:geocode", NS)] == [warning.area_nodes.get().code]
    polygon = area.findtext("cap:polygon", namespaces=NS)
    assert polygon
    first_lat, first_lon = (float(v) for v in polygon.split(" ")[0].split(","))
    assert 28 < first_lat < 31 and 120 < first_lon < 123  # lat,lon order, 象山县


def test_each_level_maps_to_a_valid_value_set(make_draft: Any, schema: Any) -> None:
    for level in ("red", "orange", "yellow", "blue"):
        assert_valid(schema, build_cap(make_draft(level=level)))


def test_lift_is_a_cancel_referencing_earlier_messages(make_draft: Any, staff: Any, schema: Any) -> None:
    warning = actions.issue(make_draft(), by=staff)
    warning = actions.extend(warning, by=staff, ends_at=warning.ends_at + timedelta(hours=3))
    warning = actions.lift(warning, by=staff, reason="解除")
    messages = list(warning.messages.order_by("sequence"))
    update = assert_valid(schema, messages[1].cap_xml)
    assert update.findtext("cap:msgType", namespaces=NS) == "Update"
    cancel = assert_valid(schema, messages[2].cap_xml)
    assert cancel.findtext("cap:msgType", namespaces=NS) == "Cancel"
    references = cancel.findtext("cap:references", namespaces=NS).split(" ")  # type: ignore[union-attr]
    assert len(references) == 2
    assert [r.split(",")[1] for r in references] == [identifier_of(warning, 1), identifier_of(warning, 2)]
    assert update.findtext("cap:identifier", namespaces=NS) == identifier_of(warning, 2)
    identifiers = {assert_valid(schema, m.cap_xml).findtext("cap:identifier", namespaces=NS) for m in messages}
    assert len(identifiers) == 3


def test_drawn_polygon_is_sent_as_lat_lon(make_draft: Any, schema: Any) -> None:
    polygon = {"type": "Polygon", "coordinates": [[[121.8, 29.4], [121.9, 29.4], [121.9, 29.5], [121.8, 29.4]]]}
    root = assert_valid(schema, build_cap(make_draft(area_polygon=polygon)))
    text = root.find("cap:info/cap:area/cap:polygon", NS).text  # type: ignore[union-attr]
    assert text == "29.400000,121.800000 29.400000,121.900000 29.500000,121.900000 29.400000,121.800000"


def test_user_text_is_escaped(make_draft: Any, schema: Any) -> None:
    tricky = '注意 <script>alert("x")</script> & 山洪]]>'
    root = assert_valid(schema, build_cap(make_draft(title="标题 <b>&", measures=tricky)))
    assert root.findtext("cap:info/cap:instruction", namespaces=NS) == tricky
    assert root.findtext("cap:info/cap:headline", namespaces=NS) == "标题 <b>&"


def test_draft_is_marked_draft(make_draft: Any, schema: Any) -> None:
    root = assert_valid(schema, build_cap(make_draft()))
    assert root.findtext("cap:status", namespaces=NS) == "Draft"


def test_cap_round_trip_pre_fills_a_draft(make_draft: Any, staff: Any, api_as: Any) -> None:
    original = actions.issue(make_draft(level="yellow"), by=staff)
    xml = original.messages.get().cap_xml
    response = api_as(staff).post("/api/v1/warnings/from-cap", {"cap_xml": xml}, content_type="application/json")
    assert response.status_code == 201, response.json()
    draft = response.json()
    assert (draft["kind"], draft["level"], draft["state"]) == ("rainstorm", "yellow", "draft")
    assert draft["title"] == original.title and draft["measures"] == original.measures
    assert draft["area"] == [n.code for n in original.area_nodes.all()]
    ends_at = datetime.fromisoformat(draft["ends_at"].replace("Z", "+00:00"))
    assert ends_at == original.ends_at.replace(microsecond=0)  # type: ignore[union-attr]


def test_upstream_cap_without_our_codes_is_read_by_words(api_as: Any, staff: Any) -> None:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="{CAP_NS}"><identifier>CMA-1</identifier><sender>qxt@example.cn</sender><sent>2026-07-01T08:00:00+08:00</sent>
<status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
<info><category>Met</category><event>道路结冰橙色预警</event><urgency>Expected</urgency><severity>Severe</severity><certainty>Likely</certainty>
<expires>2099-07-02T08:00:00+08:00</expires><headline>象山县气象台发布道路结冰橙色预警信号</headline><instruction>减少出行</instruction>
<area><areaDesc>全县</areaDesc><polygon>29.40,121.80 29.40,121.90 29.50,121.90 29.40,121.80</polygon><geocode><valueName>x</valueName><value>330225100</value></geocode></area></info></alert>"""
    draft = api_as(staff).post("/api/v1/warnings/from-cap", {"cap_xml": xml}, content_type="application/json").json()
    assert (draft["kind"], draft["level"]) == ("road_icing", "orange")
    assert draft["area"] == []  # 石浦镇 is outside the issuer's subtree
    assert draft["area_polygon"]["coordinates"][0][0] == [121.8, 29.4]


@pytest.mark.parametrize(
    "xml",
    [
        "not xml",
        '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
        "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.1'/>",
    ],
)
def test_bad_cap_is_refused_with_a_reason(api_as: Any, staff: Any, xml: str) -> None:
    response = api_as(staff).post("/api/v1/warnings/from-cap", {"cap_xml": xml}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cap_xml"
