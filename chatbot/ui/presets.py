"""A row that saves a tab's named controls as a preset file and loads one back (Chat, Playground).

Checking the file is chatbot/lab/presets.py's job; here a bad file becomes a message beside the
buttons and the form keeps what it had.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from chatbot.errors import InvalidInput
from chatbot.lab import presets
from chatbot.policy.workdirs import WorkDirs
from chatbot.ui.common import friendly

Convert = Callable[[dict[str, Any]], dict[str, Any]]


def _same(values: dict[str, Any]) -> dict[str, Any]:
    return values


def preset_row(kind: str, controls: dict[str, Any], api_prefix: str, folders: WorkDirs, *,
               read: Convert = _same, write: Convert = _same) -> None:
    """`controls` maps preset field names to components; `read` turns the form's values into
    preset values and `write` the other way (the Playground's stop box is text, the file a list).
    Saved files go to a fresh folder from `folders`, swept with the others."""
    names = list(controls)
    with gr.Row():
        save = gr.Button("💾 Descargar preset / Download preset", size="sm")
        upload = gr.UploadButton("📂 Cargar preset / Load preset", file_types=[".json"],
                                 size="sm")
    said = gr.Markdown()
    saved = gr.File(label=f"Preset ({kind}.json)", height=70)

    @friendly
    def save_fn(*values: Any) -> str:
        path = folders.fresh() / f"{kind}.json"
        path.write_text(presets.dump(kind, read(dict(zip(names, values, strict=True)))),
                        encoding="utf-8")
        return str(path)

    def load_fn(file: str | None) -> list[Any]:
        keep = [gr.update() for _ in names]
        if not file:
            return [*keep, "⚠️ No llegó ningún archivo. / No file arrived."]
        with open(file, "rb") as fh:
            raw = fh.read(presets.MAX_BYTES + 1)
        try:
            values = write(presets.load(kind, raw))
        except InvalidInput as exc:
            gr.Warning(str(exc), title=exc.title)
            return [*keep, f"⚠️ {exc}"]
        shown = [values.get(n, gr.update()) for n in names]
        return [*shown, f"✅ Preset cargado / loaded: {', '.join(sorted(values)) or '—'}"]

    save.click(save_fn, list(controls.values()), saved, api_name=f"{api_prefix}_preset_save")
    upload.upload(load_fn, upload, [*controls.values(), said],
                  api_name=f"{api_prefix}_preset_load")
