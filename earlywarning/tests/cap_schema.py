"""Where the tests find the official OASIS CAP 1.2 schema the issue points to."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings


def official_cap_schema() -> Path:
    """The OASIS CAP 1.2 schema the issue points to (``../shared/schemas/cap12.xsd``).

    Looked up beside the checkout, then in the workplace's shared folder, then at
    ``YINGJI_CAP_XSD``, so a CI checkout in another directory still validates against it.
    """
    candidates = [
        Path(os.environ["YINGJI_CAP_XSD"]) if os.environ.get("YINGJI_CAP_XSD") else None,
        Path(settings.BASE_DIR).parent / "shared" / "schemas" / "cap12.xsd",
        Path("/work/shared/schemas/cap12.xsd"),
    ]
    for candidate in candidates:
        if candidate is not None and candidate.is_file():
            return candidate
    pytest.fail("CAP 1.2 schema not found: set YINGJI_CAP_XSD to the path of cap12.xsd")
