"""The rules plans and drills are checked against, with where each comes from.

- Revision period. The seeds ask for plans to be "及时修编" without a period. The period
  used here is the one in 《突发事件应急预案管理办法》(国办发〔2024〕5号), under which
  local governments' plans are in principle assessed (评估) every 3 years, the same cycle as
  《生产安全事故应急预案管理办法》 (应急管理部令第2号, amended 2019) for production-safety
  plans. So a plan's revision is due 3 years after its approval unless a date is entered.
- Drill targets (seed 001): "新修订的预案演练率达100%，其他预案演练率达50%以上"; seed 000:
  "街道每年开展1次以上综合性或重点灾种应急演练，指导行政村(社区)开展现场处置演练" — so each
  township and each village conducts at least one drill a year. How the checks read these
  sentences is in `plans/targets.py` and docs/plans.md.
"""

from __future__ import annotations

from datetime import date

REVISION_YEARS = 3
REVISED_PLAN_RATE = 100  # % of newly revised plans that must be drilled in the year
OTHER_PLAN_RATE = 50  # % of other plans in use that must be drilled in the year
DRILLS_PER_UNIT = 1  # conducted drills per township and per village per year

ALLOWED_ATTACHMENTS = {
    ".pdf": (b"%PDF",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG",),
    ".webp": (b"RIFF",),
}
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".doc": "application/msword",
}


def default_revision_due(approved_on: date | None) -> date | None:
    """Approval + REVISION_YEARS (29 February falls back to 28 February)."""
    if approved_on is None:
        return None
    try:
        return approved_on.replace(year=approved_on.year + REVISION_YEARS)
    except ValueError:
        return approved_on.replace(year=approved_on.year + REVISION_YEARS, day=28)
