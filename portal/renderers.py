"""The API's JSON, as DRF writes it, written faster; and objects encoded once, in pieces, for many readers."""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils import encoders

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


class Encoded:
    """A value already encoded as the API's JSON (`encode`), written by JSONRenderer as it is."""

    __slots__ = ("json",)

    def __init__(self, json: bytes) -> None:
        self.json = json


class _Encoder(encoders.JSONEncoder):
    """DRF's encoder, which also writes what is already `Encoded` (for the browsable API's pretty print)."""

    def default(self, obj: Any) -> Any:
        if isinstance(obj, Encoded):
            return orjson.loads(obj.json)
        return super().default(obj)


_DRF_ENCODER = _Encoder()


def _default(obj: Any) -> Any:
    if isinstance(obj, Encoded):
        return orjson.Fragment(obj.json)
    return _DRF_ENCODER.default(obj)


def encode(data: Any) -> bytes:
    """`data` as the API's compact JSON, but for U+2028 and U+2029, which JSONRenderer escapes in the whole."""
    return orjson.dumps(data, default=_default, option=_OPTIONS)


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON, encoded by orjson wherever it is compact (every answer but the browsable API's pretty print):
    the standard library's encoder took a sixth of a signed-in page of fifty events (bench/README.md, issue 16).
    What orjson does not encode as DRF does (translated strings, datetimes, decimals) goes to DRF's encoder, and
    U+2028 and U+2029 are escaped as DRF escapes them, so that the bytes are DRF's own."""

    encoder_class = _Encoder

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None or self.get_indent(accepted_media_type or "", renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        return encode(data).replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")


# An object's member as the API sends it: its key, its value, and the tag a reader must hold to be sent it (None:
# every reader). A key may come twice, under tags no reader holds together (a value in two versions).
Member = tuple[str, Any, str | None]
# An object encoded once for many readers: its members' JSON in order, each run sent to every reader as one piece.
Pieces = tuple[tuple[str | None, bytes], ...]


def pieces(members: Iterable[Member]) -> Pieces:
    """The object of `members`, encoded once in pieces (`for_tags` puts a reader's object together)."""
    encoded: list[tuple[str | None, bytes]] = []
    run: dict[str, Any] = {}
    for key, value, tag in members:
        if tag is None:
            run[key] = value
            continue
        if run:
            encoded.append((None, encode(run)[1:-1]))
            run = {}
        encoded.append((tag, encode({key: value})[1:-1]))
    if run:
        encoded.append((None, encode(run)[1:-1]))
    return tuple(encoded)


def for_tags(encoded: Pieces, tags: Container[str]) -> Encoded:
    """The object of `encoded` with the members a reader holding `tags` is sent: byte for byte what encoding the
    `shown` members would give."""
    return Encoded(b"{" + b",".join(piece for tag, piece in encoded if tag is None or tag in tags) + b"}")


def shown(members: Iterable[Member], tags: Container[str]) -> dict[str, Any]:
    """The object of `members` a reader holding `tags` is sent, as a dict (one object, read by one reader)."""
    return {key: value for key, value, tag in members if tag is None or tag in tags}
