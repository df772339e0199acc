"""The Space builds and starts as it is: the README front matter names the Python the project
supports (Spaces would otherwise run 3.10, where `datetime.UTC` does not exist) and the gradio
that requirements.txt pins."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent


def front_matter() -> dict[str, object]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, "README.md must start with the Space's YAML front matter"
    return yaml.safe_load(match.group(1))


def test_python_version_is_pinned_and_supported() -> None:
    meta = front_matter()
    version = meta.get("python_version")
    assert isinstance(version, str) and re.fullmatch(r"3\.\d+", version), version
    spec = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "requires-python"])
    assert f"{version}.0" in spec
    assert "3.10.12" not in spec  # Spaces' default, which cannot import datetime.UTC


def test_sdk_version_is_the_pinned_gradio() -> None:
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)",
                           (ROOT / "requirements.txt").read_text(), re.M))
    meta = front_matter()
    assert meta["sdk"] == "gradio"
    assert str(meta["sdk_version"]) == pins["gradio"]
    assert meta["app_file"] == "app.py"
