"""A fresh folder per request for the files the app writes for a user (prepared training files).

Uploads land in Gradio's cache in a folder named by their content, so two students uploading the
same CSV share it; anything written beside the upload could be fetched by the other. Here every
request gets its own folder with an unguessable name, outside Gradio's cache (Gradio serves only
the copy it makes of a returned file), and folders older than `max_age_s` are removed.
"""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

MAX_AGE_S = 3600.0  # as long as Gradio keeps its cached copies (delete_cache)


class WorkDirs:
    def __init__(self, root: Path, max_age_s: float = MAX_AGE_S) -> None:
        self.root = root
        self.max_age_s = max_age_s

    def fresh(self) -> Path:
        """A new empty folder; the old ones are swept first, so the disk never fills up."""
        self.sweep()
        path = self.root / uuid.uuid4().hex
        path.mkdir(parents=True, mode=0o700)
        return path

    def sweep(self) -> None:
        if not self.root.is_dir():
            return
        cutoff = time.time() - self.max_age_s
        for folder in self.root.iterdir():
            try:
                if folder.is_dir() and folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
            except FileNotFoundError:  # another request swept it first
                continue

    def copy_in(self, source: Path) -> Path:
        """The upload, copied into a fresh folder: what is written beside it stays private."""
        target = self.fresh() / source.name
        shutil.copyfile(source, target)
        return target
