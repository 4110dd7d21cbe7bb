"""The API's JSON, as DRF writes it, written faster."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils import encoders


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON, encoded by orjson wherever it is compact (every answer but the browsable API's pretty print):
    the standard library's encoder took a sixth of a signed-in page of fifty events (bench/README.md, issue 16).
    What orjson does not encode as DRF does (translated strings, datetimes, decimals) goes to DRF's encoder, and
    U+2028 and U+2029 are escaped as DRF escapes them, so that the bytes are DRF's own."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None or self.get_indent(accepted_media_type or "", renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        encoded = orjson.dumps(
            data, default=_DRF_ENCODER.default, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
        )
        return encoded.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")


_DRF_ENCODER = encoders.JSONEncoder()
