"""ctypes access to llama.cpp's training API (llama_opt_*) and ggml's datasets (ggml_opt_*).

llama-cpp-python binds `llama_opt_init` with an older `llama_opt_params` (no optimizer field), and
does not bind ggml_opt at all, so the few calls training needs are declared here, against the
libraries it bundles.
"""

from __future__ import annotations

import ctypes
import re
import shutil
from pathlib import Path
from typing import Any, TypeVar

import llama_cpp
from llama_cpp import llama_cpp as _bindings

GGML_TYPE_I32 = 26
ADAMW, SGD = 0, 1
OPTIMIZERS = {"adamw": ADAMW, "sgd": SGD}

LIB = _bindings._lib
GGML = ctypes.CDLL(str(Path(llama_cpp.__file__).parent / "lib" / "libggml-base.so"))

EpochCallback = ctypes.CFUNCTYPE(None, ctypes.c_bool, ctypes.c_void_p, ctypes.c_void_p,
                                 ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64)


class AdamW(ctypes.Structure):
    _fields_ = [("alpha", ctypes.c_float), ("beta1", ctypes.c_float), ("beta2", ctypes.c_float),
                ("eps", ctypes.c_float), ("wd", ctypes.c_float)]


class Sgd(ctypes.Structure):
    _fields_ = [("alpha", ctypes.c_float), ("wd", ctypes.c_float)]


class OptimizerParams(ctypes.Structure):
    """ggml_opt_optimizer_params: read by ggml before every optimizer step."""
    _fields_ = [("adamw", AdamW), ("sgd", Sgd)]


class OptParams(ctypes.Structure):
    """llama_opt_params as llama.h declares it in the bundled build."""
    _fields_ = [("n_ctx_train", ctypes.c_uint32), ("param_filter", ctypes.c_void_p),
                ("param_filter_ud", ctypes.c_void_p), ("get_opt_pars", ctypes.c_void_p),
                ("get_opt_pars_ud", ctypes.c_void_p), ("optimizer_type", ctypes.c_int)]


def _declare() -> None:
    vp, i64 = ctypes.c_void_p, ctypes.c_int64
    sigs = {
        "ggml_opt_dataset_init": ([ctypes.c_int, ctypes.c_int, i64, i64, i64, i64], vp),
        "ggml_opt_dataset_free": ([vp], None),
        "ggml_opt_dataset_data": ([vp], vp),
        "ggml_opt_dataset_labels": ([vp], vp),
        "ggml_get_data": ([vp], vp),
        "ggml_get_name": ([vp], ctypes.c_char_p),
        "ggml_opt_result_init": ([], vp),
        "ggml_opt_result_free": ([vp], None),
        "ggml_opt_result_reset": ([vp], None),
        "ggml_opt_result_loss": ([vp, ctypes.POINTER(ctypes.c_double), vp], None),
        "ggml_opt_result_accuracy": ([vp, ctypes.POINTER(ctypes.c_double), vp], None),
    }
    for name, (args, res) in sigs.items():
        fn = getattr(GGML, name)
        fn.argtypes, fn.restype = args, res
    LIB.llama_opt_init.argtypes = [vp, vp, OptParams]
    LIB.llama_opt_init.restype = None


_declare()


S = TypeVar("S", bound=ctypes.Structure)


def setfields(struct: S, **values: Any) -> S:
    """Set C struct fields, refusing names the struct lacks (ctypes would silently add them)."""
    known = {name for name, *_ in struct._fields_}
    for name, value in values.items():
        if name not in known:
            raise AttributeError(f"{type(struct).__name__} has no field {name}")
        setattr(struct, name, value)
    return struct


def address(lib: ctypes.CDLL, name: str) -> int:
    value = ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
    assert value is not None
    return value


ParamFilter = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_void_p, ctypes.c_void_p)


def name_filter(pattern: str) -> Any:
    """A llama_opt_param_filter training only the tensors whose name matches `pattern` (keep a
    reference to it while llama.cpp may call it)."""
    wanted = re.compile(pattern)
    return ParamFilter(lambda tensor, _ud: bool(wanted.search(GGML.ggml_get_name(tensor).decode())))


def opt_params(n_ctx: int, optimizer: str, pars: OptimizerParams, param_filter: Any = None
               ) -> OptParams:
    """Train the F32 tensors `param_filter` accepts (all by default), with learning rate and
    betas read from `pars` at each step."""
    filt = (ctypes.cast(param_filter, ctypes.c_void_p).value if param_filter
            else address(LIB, "llama_opt_param_filter_all"))
    return OptParams(n_ctx, filt, None,
                     address(GGML, "ggml_opt_get_constant_optimizer_params"),
                     ctypes.cast(ctypes.pointer(pars), ctypes.c_void_p), OPTIMIZERS[optimizer])


def result_metrics(result: int) -> tuple[float, float]:
    """Mean loss and token accuracy accumulated in a ggml_opt_result since its last reset."""
    loss, acc = ctypes.c_double(), ctypes.c_double()
    GGML.ggml_opt_result_loss(result, ctypes.byref(loss), None)
    GGML.ggml_opt_result_accuracy(result, ctypes.byref(acc), None)
    return loss.value, acc.value


class GgufInitParams(ctypes.Structure):
    _fields_ = [("no_alloc", ctypes.c_bool), ("ctx", ctypes.c_void_p)]


def _declare_gguf() -> None:
    vp = ctypes.c_void_p
    sigs = {
        "gguf_init_from_file": ([ctypes.c_char_p, GgufInitParams], vp),
        "gguf_free": ([vp], None),
        "gguf_get_data_offset": ([vp], ctypes.c_size_t),
        "gguf_set_kv": ([vp, vp], None),
        "gguf_get_meta_size": ([vp], ctypes.c_size_t),
        "gguf_get_meta_data": ([vp, vp], None),
    }
    for name, (args, res) in sigs.items():
        fn = getattr(GGML, name)
        fn.argtypes, fn.restype = args, res


_declare_gguf()


def copy_metadata(source: Path, target: Path) -> None:
    """Every metadata key of `source` (chat template, names, context length) onto `target`,
    whose tensors are kept byte for byte: llama.cpp's model save writes the hyperparameters
    but drops the chat template, and a server then formats prompts its own way."""
    params = GgufInitParams(True, None)
    out = GGML.gguf_init_from_file(str(target).encode(), params)
    src = GGML.gguf_init_from_file(str(source).encode(), params)
    if not out or not src:
        raise RuntimeError(f"cannot read GGUF metadata of {target} or {source}")
    try:
        data_offset = GGML.gguf_get_data_offset(out)
        GGML.gguf_set_kv(out, src)
        meta = ctypes.create_string_buffer(GGML.gguf_get_meta_size(out))
        GGML.gguf_get_meta_data(out, meta)
    finally:
        GGML.gguf_free(out)
        GGML.gguf_free(src)
    tmp = target.with_name(target.name + ".meta")
    with tmp.open("wb") as dst, target.open("rb") as old:
        dst.write(meta.raw)
        old.seek(data_offset)
        shutil.copyfileobj(old, dst, 8 * 1024 * 1024)
    tmp.replace(target)
