"""What a production deployment runs once: collecting static files with hashed names."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_collectstatic_with_the_production_manifest_storage_succeeds(tmp_path: Path) -> None:
    """Every file a stylesheet or script refers to (fonts, images, source maps) must be shipped."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "YINGJI_TESTING")},
        "YINGJI_ENV": "prod",
        "SECRET_KEY": "p" * 50,
        "FIELD_ENCRYPTION_KEY": "deployment-test-key",
        "ALLOWED_HOSTS": "example.org",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv=['manage.py','collectstatic','--noinput','-v0']; "
         "import manage; manage.main()"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()
