"""Token windows for llama.cpp's trainer: every window starts at an example's first token.

llama.cpp trains on fixed windows of `ctx` tokens, each token labelled with the next one. Windows
start at example boundaries (so each one opens with a whole prompt, as at inference) and run on
into the following examples, wrapping round the end; a start closer than `ctx / 2` to the previous
one is skipped, so each token is seen about twice per epoch, as with llama.cpp's own tool.
"""

from __future__ import annotations

from collections.abc import Sequence


def window_starts(lengths: Sequence[int], ctx: int) -> list[int]:
    """Offsets in the joined token stream where a window begins."""
    starts: list[int] = []
    offset = 0
    for length in lengths:
        if not starts or offset - starts[-1] >= ctx // 2:
            starts.append(offset)
        offset += length
    return starts


def windows(examples: Sequence[Sequence[int]], ctx: int) -> list[tuple[list[int], list[int]]]:
    """(tokens, next-token labels) pairs of `ctx` tokens each."""
    stream = [tok for ex in examples for tok in ex]
    if not stream:
        return []
    reps = (ctx + 1) // len(stream) + 2
    cyclic = stream * reps
    out = []
    for start in window_starts([len(ex) for ex in examples], ctx):
        piece = cyclic[start:start + ctx + 1]
        out.append((piece[:-1], piece[1:]))
    return out
