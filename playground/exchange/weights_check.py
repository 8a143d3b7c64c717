"""Weights from outside (a bundle someone uploaded) checked before a single tensor is made.

A safetensors file is an 8-byte little-endian length, that many bytes of JSON naming each
tensor's dtype, shape and byte range, then the bytes. Reading only the header, the names, shapes
and dtypes are compared with the model built on the meta device, and every byte range with the
file's size: a file that does not fit is refused in words, before it can take any memory (a
small bundle can otherwise declare a huge zero tensor that compresses to nothing).
"""

from __future__ import annotations

import json
import math
import struct
from typing import BinaryIO

import torch
from torch import nn

from playground.engine.i18n import N_, Text
from playground.engine.records import SpecError

MAX_HEADER = 1 << 20  # bytes of JSON; a model's header is a few KB
DTYPES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
          "U8": 1, "BOOL": 1}  # fmt: skip
TORCH_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16",
                torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8",
                torch.bool: "BOOL"}  # fmt: skip


def header(raw: bytes, what: str = N_("the weights")) -> dict[str, tuple[str, tuple[int, ...]]]:
    """name -> (dtype, shape) of a safetensors file's bytes, from its header alone; SpecError
    if the header or any tensor's byte range does not hold together."""
    length = _header_length(raw[:8], what)
    if 8 + length > len(raw):
        raise SpecError(
            Text("{what} is not a safetensors file: its header is cut short.", what=what)
        )
    return _entries(raw[8 : 8 + length], len(raw) - 8 - length, what)


def read_checked(stream: BinaryIO, model: nn.Module, limit: int, what: str) -> bytes:
    """A safetensors file read from `stream` (an unpacking zip member) that holds exactly
    `model`'s state, or SpecError: the header is read and checked first, then only the bytes
    it says the tensors take (at most `limit` in all), so a file that declares more, or other
    tensors, is refused before it is unpacked."""
    start = stream.read(8)
    length = _header_length(start, what)
    text = stream.read(length)
    if len(text) < length:
        raise SpecError(
            Text("{what} is not a safetensors file: its header is cut short.", what=what)
        )
    found = _entries(text, limit, what)  # every range within `limit` for now
    _compare(found, model, what)
    body = max((end for _, _, end in found.values()), default=0)
    if 8 + length + body > limit:
        raise SpecError(
            Text(
                "{what} would unpack to more than {value} MB: not weights we wrote.",
                what=what,
                value=limit >> 20,
            )
        )
    rest = stream.read(body + 1)
    if len(rest) != body:
        raise SpecError(
            Text(
                "{what} is damaged: its tensors do not fill the file as its header says.", what=what
            )
        )
    return start + text + rest


def _header_length(start: bytes, what: str) -> int:
    if len(start) < 8:
        raise SpecError(
            Text(
                "{what} is not a safetensors file (it is {count} bytes long).",
                what=what,
                count=len(start),
            )
        )
    (length,) = struct.unpack("<Q", start)
    if length > MAX_HEADER:
        raise SpecError(
            Text(
                "{what} is not a safetensors file: its header says it is {length:,} bytes.",
                what=what,
                length=length,
            )
        )
    return length


def _entries(text: bytes, body: int, what: str) -> dict[str, tuple[str, tuple[int, ...], int]]:
    """name -> (dtype, shape, end of its bytes) from a header's JSON."""
    bad = Text("{what} is not a safetensors file", what=what)
    try:
        entries = json.loads(text)
    except (ValueError, RecursionError):
        raise SpecError(Text("{bad}: its header is not JSON.", bad=bad)) from None
    if not isinstance(entries, dict):
        raise SpecError(Text("{bad}: its header is not a table of tensors.", bad=bad))
    return {
        name: _entry(name, entry, body, what)
        for name, entry in entries.items()
        if name != "__metadata__"
    }


def _entry(name: str, entry: object, body: int, what: str) -> tuple[str, tuple[int, ...], int]:
    where = Text("{what}: tensor {name!r}", what=what, name=name[:60])
    if not isinstance(entry, dict):
        raise SpecError(Text("{where} is not described as a tensor.", where=where))
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if dtype not in DTYPES:
        raise SpecError(
            Text("{where} has an unknown type {dtype!r}.", where=where, dtype=str(dtype)[:20])
        )
    if not (isinstance(shape, list) and len(shape) <= 8):
        raise SpecError(Text("{where} has no shape.", where=where))
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**40 for n in shape):
        raise SpecError(Text("{where} has a shape that is not a list of sizes.", where=where))
    if not (
        isinstance(offsets, list)
        and len(offsets) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in offsets)
        and 0 <= offsets[0] <= offsets[1] <= body
        and offsets[1] - offsets[0] == math.prod(shape) * DTYPES[dtype]
    ):
        raise SpecError(
            Text("{where} does not lie inside the file as its shape says.", where=where)
        )
    return dtype, tuple(shape), offsets[1]


def check_fits(raw: bytes, model: nn.Module, what: str = N_("the weights")) -> None:
    """SpecError, naming the first difference, unless the file holds exactly `model`'s state
    (names, shapes and dtypes); `model` may be on the meta device."""
    _compare(header(raw, what), model, what)


def _compare(found: dict, model: nn.Module, what: str) -> None:
    wanted = {
        k: (TORCH_DTYPES.get(v.dtype, str(v.dtype)), tuple(v.shape))
        for k, v in model.state_dict().items()
    }
    extra = sorted(set(found) - set(wanted))
    missing = sorted(set(wanted) - set(found))
    if extra or missing:
        name = (extra or missing)[0][:60]
        has = N_("{what} do not fit its model: the file has a tensor {name!r} it does not have.")
        lacks = N_("{what} do not fit its model: the file lacks its tensor {name!r}.")
        template = has if extra else lacks
        raise SpecError(Text(template, what=what, name=name))
    for name, (dtype, shape) in wanted.items():
        if found[name][:2] != (dtype, shape):
            got = found[name]
            raise SpecError(
                Text(
                    "{what} do not fit its model: {name!r} is {got} {got2} in the file and "
                    "{dtype} {shape} in the model.",
                    what=what,
                    name=name,
                    got=got[0],
                    got2=list(got[1]),
                    dtype=dtype,
                    shape=list(shape),
                )
            )
