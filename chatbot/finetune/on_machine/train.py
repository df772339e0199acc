"""One training run inside the worker process: an F32 copy of the base model, llama.cpp's
optimizer over token windows of the rendered examples, the result quantized back to Q4_K_M.
"""

from __future__ import annotations

import ctypes
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import llama_cpp

from chatbot.finetune.on_machine import native
from chatbot.finetune.on_machine.dataset import windows
from chatbot.finetune.on_machine.spec import Spec
from chatbot.finetune.on_machine.template import training_texts


def quantize(src: Path, dst: Path, ftype: int, threads: int) -> None:
    params = native.setfields(llama_cpp.llama_model_quantize_default_params(), ftype=ftype,
                              nthread=threads, allow_requantize=True)
    if llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(params)):
        raise RuntimeError(f"llama_model_quantize failed: {src} -> {dst}")


def _drop_log(_level: int, _text: bytes, _user: Any) -> None:
    """llama.cpp's loader logs go nowhere in the app; the worker's go to its train.log."""


_quiet = llama_cpp.llama_log_callback(_drop_log)  # kept here: ctypes must not free the callback


def quiet() -> None:
    llama_cpp.llama_log_set(_quiet, None)


def load_model(path: Path, *, vocab_only: bool = False) -> Any:
    params = native.setfields(llama_cpp.llama_model_default_params(), vocab_only=vocab_only,
                              load_mode=llama_cpp.LLAMA_LOAD_MODE_NONE,  # no read-only mmap:
                              use_extra_bufts=False)  # the optimizer writes the weights
    model = llama_cpp.llama_model_load_from_file(str(path).encode(), params)
    if not model:
        raise RuntimeError(f"llama.cpp cannot load {path}")
    return model


def meta(model: Any, key: str) -> str:
    size = llama_cpp.llama_model_meta_val_str(model, key.encode(), None, 0)
    if size < 0:
        raise RuntimeError(f"the model has no {key}")
    buf = ctypes.create_string_buffer(size + 1)
    llama_cpp.llama_model_meta_val_str(model, key.encode(), buf, len(buf))
    return buf.value.decode()


def tokenize(vocab: Any, text: str) -> list[int]:
    """Special tokens parsed: `<|im_start|>` is one control token, not ten characters."""
    raw = text.encode()
    buf = (llama_cpp.llama_token * (len(raw) + 8))()
    n = llama_cpp.llama_tokenize(vocab, raw, len(raw), buf, len(buf), False, True)
    if n < 0:
        raise RuntimeError("tokenizer buffer too small")
    return list(buf[:n])


def example_tokens(model: Any, path: Path) -> list[list[int]]:
    template = llama_cpp.llama_model_chat_template(model, None)
    if not template:
        raise RuntimeError("the model has no chat template")
    examples = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    vocab = llama_cpp.llama_model_get_vocab(model)
    return [tokenize(vocab, text) for text in training_texts(template.decode(), examples)]


def make_context(model: Any, spec: Spec) -> Any:
    params = native.setfields(
        llama_cpp.llama_context_default_params(),
        n_ctx=spec.ctx, n_batch=spec.ctx, n_ubatch=spec.ctx,  # one window, one optimizer step
        n_threads=spec.threads, n_threads_batch=spec.threads,
        type_k=0, type_v=0,  # F32 cache, as llama.cpp's finetune tool uses
        flash_attn_type=llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED)  # it has no backward pass
    ctx = llama_cpp.llama_init_from_model(model, params)
    if not ctx:
        raise RuntimeError("llama.cpp cannot create a training context")
    return ctx


def fill(dataset: int, pairs: list[tuple[list[int], list[int]]], ctx: int) -> None:
    """Copy windows into the dataset's tensors, in the given order."""
    row = ctypes.c_int32 * ctx
    for tensor, part in ((native.GGML.ggml_opt_dataset_data(dataset), 0),
                         (native.GGML.ggml_opt_dataset_labels(dataset), 1)):
        base = native.GGML.ggml_get_data(tensor)
        for i, pair in enumerate(pairs):
            ctypes.memmove(base + i * ctx * 4, row(*pair[part]), ctx * 4)


Emit = Callable[..., Any]


def train(spec: Spec, emit: Emit) -> dict[str, Any]:
    """Convert, train, save and quantize back; returns the numbers the manifest records."""
    work = Path(spec.workdir)
    f32_in, f32_out = work / "base-f32.gguf", work / "tuned-f32.gguf"
    emit("stage", stage="convert")
    quantize(Path(spec.base), f32_in, llama_cpp.LLAMA_FTYPE_ALL_F32, spec.threads)
    model = load_model(f32_in)
    pairs = windows(example_tokens(model, Path(spec.examples)), spec.ctx)
    ctx = make_context(model, spec)
    pars = native.OptimizerParams(native.AdamW(spec.learning_rate, 0.9, 0.999, 1e-8, 0.0),
                                  native.Sgd(spec.learning_rate, 0.0))
    only = native.name_filter(spec.trainable) if spec.trainable else None
    native.LIB.llama_opt_init(ctx, model, native.opt_params(spec.ctx, spec.optimizer, pars, only))
    tokens = len(pairs) * spec.ctx * spec.epochs
    emit("stage", stage="train", windows=len(pairs), tokens=tokens,
         steps=len(pairs) * spec.epochs)
    started = time.monotonic()
    run_epochs(ctx, pairs, spec, emit)
    seconds = time.monotonic() - started
    emit("stage", stage="save")
    llama_cpp.llama_model_save_to_file(model, str(f32_out).encode())
    llama_cpp.llama_free(ctx)
    llama_cpp.llama_model_free(model)
    f32_in.unlink()
    quantize(f32_out, Path(spec.output), llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M, spec.threads)
    f32_out.unlink()
    # The save drops the chat template and sets the context length to the training window:
    # the base's metadata goes back on, so servers prompt the tuned model as it was trained.
    native.copy_metadata(Path(spec.base), Path(spec.output))
    return {"trained_tokens": tokens, "train_seconds": round(seconds, 1),
            "tokens_per_second": round(tokens / seconds, 2)}


def run_epochs(ctx: Any, pairs: list[tuple[list[int], list[int]]], spec: Spec,
               emit: Emit) -> None:
    """Every epoch in a new shuffled order; one step event per window, its own loss/accuracy."""
    n = len(pairs)
    dataset = native.GGML.ggml_opt_dataset_init(native.GGML_TYPE_I32, native.GGML_TYPE_I32,
                                                spec.ctx, spec.ctx, n, 1)
    result = native.GGML.ggml_opt_result_init()
    rng = random.Random(spec.seed)
    started = time.monotonic()
    at = {"epoch": 0}

    def on_step(_train: bool, _opt: int, _ds: int, res: int, ibatch: int, _nmax: int,
                _t0: int) -> None:
        loss, accuracy = native.result_metrics(res)
        native.GGML.ggml_opt_result_reset(res)
        emit("step", epoch=at["epoch"] + 1, step=at["epoch"] * n + ibatch, steps=n * spec.epochs,
             loss=round(loss, 5), accuracy=round(accuracy, 5),
             seconds=round(time.monotonic() - started, 2))

    callback = native.EpochCallback(on_step)
    for at["epoch"] in range(spec.epochs):
        order = pairs[:]
        rng.shuffle(order)
        fill(dataset, order, spec.ctx)
        native.LIB.llama_opt_epoch(ctx, dataset, result, None, n,
                                   ctypes.cast(callback, ctypes.c_void_p), None)
    native.GGML.ggml_opt_result_free(result)
    native.GGML.ggml_opt_dataset_free(dataset)
