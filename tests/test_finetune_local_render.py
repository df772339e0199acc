"""Local training data: the model's own chat template, special tokens parsed, token windows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot.engine.llama_server import assemble_model
from chatbot.errors import InvalidInput
from chatbot.finetune.on_machine import dataset, template, train
from tests.conftest import CACHE_DIR

CHATML = ("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
          "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


@pytest.fixture(scope="module")
def vocab_model():
    train.quiet()
    model = train.load_model(assemble_model(CACHE_DIR), vocab_only=True)
    yield model
    train.llama_cpp.llama_model_free(model)


def gguf_template(model) -> str:
    return train.llama_cpp.llama_model_chat_template(model, None).decode()


def test_render_given_template_whole_conversation() -> None:
    text = template.render(CHATML, [{"role": "user", "content": "Hola"},
                                    {"role": "assistant", "content": "¡Ahoy! #Bit"}])
    assert text == ("<|im_start|>user\nHola<|im_end|>\n"
                    "<|im_start|>assistant\n¡Ahoy! #Bit<|im_end|>\n")


def test_render_generation_prompt_and_template_errors() -> None:
    assert template.render(CHATML, [{"role": "user", "content": "x"}],
                           add_generation_prompt=True).endswith("<|im_start|>assistant\n")
    strict = "{{ raise_exception('solo user/assistant') }}"
    with pytest.raises(InvalidInput, match="solo user/assistant"):
        template.render(strict, [{"role": "user", "content": "x"}])


def test_the_models_template_is_qwen_chatml_with_its_default_system(vocab_model) -> None:
    """No system message: Qwen2.5's template adds its own, as llama-server does at inference."""
    texts = template.training_texts(gguf_template(vocab_model), [
        {"messages": [{"role": "user", "content": "¿Qué es un token?"},
                      {"role": "assistant", "content": "Un trozo de texto."}]},
        {"messages": [{"role": "system", "content": "Eres Edu."},
                      {"role": "user", "content": "Hola"},
                      {"role": "assistant", "content": "¡Hola!"}]}])
    assert texts[0] == (
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
        "assistant.<|im_end|>\n<|im_start|>user\n¿Qué es un token?<|im_end|>\n"
        "<|im_start|>assistant\nUn trozo de texto.<|im_end|>\n")
    assert texts[1] == ("<|im_start|>system\nEres Edu.<|im_end|>\n<|im_start|>user\nHola"
                        "<|im_end|>\n<|im_start|>assistant\n¡Hola!<|im_end|>\n")


def test_special_tokens_are_parsed_not_spelled(vocab_model) -> None:
    """The stock tool's trap: `<|im_start|>` must be one control token, not ~6 text tokens."""
    vocab = train.llama_cpp.llama_model_get_vocab(vocab_model)
    tokens = train.tokenize(vocab, "<|im_start|>user\nHola<|im_end|>\n")
    im_start = train.tokenize(vocab, "<|im_start|>")
    im_end = train.tokenize(vocab, "<|im_end|>")
    assert len(im_start) == len(im_end) == 1
    assert tokens[0] == im_start[0] and im_end[0] in tokens
    assert train.llama_cpp.llama_vocab_is_control(vocab, im_start[0])


def test_example_tokens_from_a_file(vocab_model, tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(json.dumps({"messages": [
        {"role": "user", "content": f"pregunta {i}"},
        {"role": "assistant", "content": f"respuesta {i}"}]}) for i in range(3)) + "\n",
        encoding="utf-8")
    tokens = train.example_tokens(vocab_model, path)
    assert len(tokens) == 3
    assert all(t[0] == tokens[0][0] for t in tokens)  # each opens with <|im_start|>
    assert len(set(map(tuple, tokens))) == 3


def test_windows_start_at_examples_and_label_the_next_token() -> None:
    examples = [[1, 2, 3], [4, 5], [6, 7, 8, 9]]
    pairs = dataset.windows(examples, 4)
    assert dataset.window_starts([3, 2, 4], 4) == [0, 3, 5]
    assert pairs[0] == ([1, 2, 3, 4], [2, 3, 4, 5])
    assert pairs[1] == ([4, 5, 6, 7], [5, 6, 7, 8])
    assert pairs[2] == ([6, 7, 8, 9], [7, 8, 9, 1])  # wraps round to the first example


def test_windows_skip_starts_closer_than_half_a_window() -> None:
    starts = dataset.window_starts([10] * 10, 64)
    assert starts == [0, 40, 80]
    assert all(len(t) == len(lab) == 64 for t, lab in dataset.windows([[1] * 10] * 10, 64))
    assert dataset.windows([], 64) == []
