"""The example frontend's copy of the personas stays in step with the committed dataset."""

import json
import re
from pathlib import Path

from ndt_fixtures import PERSONAS

PAGE_DIR = Path(__file__).resolve().parents[2] / "examples" / "frontend"


def test_personas_json_matches_the_committed_personas():
    data = json.loads((PAGE_DIR / "personas.json").read_text(encoding="utf-8"))
    expected = [
        {"key": p.key, "story": p.story, "id": p.customer_id, "token": p.token}
        for p in PERSONAS
        if p.token
    ]
    assert data["personas"] == expected


def test_the_page_does_not_read_the_admin_api():
    """/__admin has no CORS: a page on another origin cannot read it, and must not try."""
    script = (PAGE_DIR / "app.js").read_text(encoding="utf-8")
    assert not re.search(r"[\"'`]/__admin", script)
