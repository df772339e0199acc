"""The raw library's floor for the remote check: the smallest Gradio Blocks streaming chat on the
openai SDK (one textbox, one chatbot, each chunk yielded as it comes), with the same api_name and
the app's remote concurrency, so `bench_app.py users --baseline` can say how much of the
16-users ratio is Gradio's own event path and how much is the app's.

    OPENAI_BASE_URL=http://127.0.0.1:8089/v1 GRADIO_SERVER_PORT=7861 python bench/bare_chat_app.py
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import gradio as gr
import openai

CONCURRENCY = 32  # as many at once as the app's remote line (CHATBOT_REMOTE_CONCURRENCY)
client = openai.OpenAI(base_url=os.environ["OPENAI_BASE_URL"],
                       api_key=os.environ.get("OPENAI_API_KEY", "sk-bench"))


def chat(message: str, history: list[dict[str, Any]], max_tokens: float
         ) -> Iterator[tuple[list[dict[str, Any]], str]]:
    history = [*(history or []), {"role": "user", "content": message}]
    text = ""
    for chunk in client.chat.completions.create(
            model=os.environ.get("CHATBOT_MODEL", "gpt-4o-mini"), stream=True,
            max_tokens=int(max_tokens), messages=history):
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
            yield [*history, {"role": "assistant", "content": text}], ""


with gr.Blocks() as demo:
    box = gr.Chatbot()
    message = gr.Textbox()
    max_tokens = gr.Number(64)
    message.submit(chat, [message, box, max_tokens], [box, message], api_name="chat",
                   concurrency_limit=CONCURRENCY)

if __name__ == "__main__":
    demo.queue(default_concurrency_limit=CONCURRENCY).launch(
        server_port=int(os.environ["GRADIO_SERVER_PORT"]))
