"""The API's JSON parser: a body that is not UTF-8 gets a clear 400, not a decoding message."""

import io

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"The request body is not valid UTF-8 (byte {exc.start}).") from exc
        return super().parse(io.BytesIO(body), media_type, parser_context)
