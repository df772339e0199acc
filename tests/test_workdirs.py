"""Per-request folders: fresh, unguessable, private to the request, swept when old."""

from __future__ import annotations

import os
import time
from pathlib import Path

from chatbot.policy.workdirs import WorkDirs


def test_each_request_gets_its_own_folder_and_old_ones_go(tmp_path: Path) -> None:
    dirs = WorkDirs(tmp_path / "out", max_age_s=60)
    first, second = dirs.fresh(), dirs.fresh()
    assert first != second and first.parent == second.parent == tmp_path / "out"
    assert len(first.name) == 32 and not any(first.iterdir())
    old = time.time() - 120
    os.utime(first, (old, old))
    dirs.fresh()
    assert not first.exists() and second.exists()


def test_copy_in_keeps_the_name_and_leaves_the_upload_alone(tmp_path: Path) -> None:
    upload = tmp_path / "faq.csv"
    upload.write_text("question,answer\n")
    copy = WorkDirs(tmp_path / "out").copy_in(upload)
    assert copy.name == "faq.csv" and copy.read_text() == upload.read_text()
    assert copy.parent.parent == tmp_path / "out"
    assert WorkDirs(tmp_path / "out").copy_in(upload).parent != copy.parent
