"""One strict JSON reader for every body a partner sends (webhooks, uploads, the FAP poll).

:func:`loads_strict` reads a body as ``json.loads`` does, but refuses, with a
:class:`PayloadError` (a :class:`~.exceptions.ParseError`, so an intake answers 400 and keeps
the body as failed) what a retry could never fix and what would otherwise break later:

* bytes that are not UTF-8 (a leading UTF-8 byte order mark is allowed and ignored);
* nesting deeper than ``max_depth`` (:data:`MAX_DEPTH`), checked *before* parsing by a scan
  of the brackets outside strings (see :func:`too_deep`), so no RecursionError;
* the literals ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON; ``json.loads`` takes them);
* numbers that do not fit: an integer of more than :data:`MAX_INT_DIGITS` digits, a number
  literal longer than :data:`MAX_NUMBER_CHARS` characters, a float that overflows (``1e400``);
* the same key twice in an object with different values (the same value twice is accepted,
  and :func:`loads_checked` reports it as a warning);
* strings PostgreSQL cannot store: a NUL character (``\\u0000``) or a lone surrogate
  (``\\ud800`` without its pair).

Plain Python, no ORM (see docs/architecture.md).
"""

import json
import math
import re

from .exceptions import ParseError

MAX_DEPTH = 64  # arrays and objects nested in each other; the canonical event needs 3
MAX_INT_DIGITS = 30  # far above any id, quantity or amount in minor units
MAX_NUMBER_CHARS = 64  # a float's literal (digits, sign, point, exponent)


class PayloadError(ParseError):
    """A body that cannot be read as JSON, for a reason a retry cannot fix."""

    def __init__(self, message, where="body"):
        super().__init__(message, where)


# The depth scan works on bytes: UTF-8 never uses an ASCII byte inside a multi-byte character,
# so keeping the quotes and brackets (braces as square brackets) and deleting every other byte
# is one ``bytes.translate``.
_TO_SQUARE = bytes.maketrans(b"{}", b"[]")
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'"[]{}')
# A number that may not fit (many digits, or an exponent of three digits or more): only then
# are numbers parsed by the checking functions below (a match in a string costs a slower parse,
# never a refusal).
_BIG_NUMBER = re.compile(r"[0-9]{%d}|[eE][+-]?0*[0-9]{3}" % (MAX_INT_DIGITS + 1))
# An escape that may produce a string PostgreSQL refuses (checked precisely after parsing).
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _structure(raw):
    """The quotes and brackets of the JSON bytes ``raw``, escapes in strings removed first."""
    if b"\\" in raw:
        # A JSON escape is a backslash and the character after it (the XXXX of \uXXXX are no
        # quote nor bracket): drop escaped backslashes, then escaped quotes.
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    return raw.translate(_TO_SQUARE, _NOT_STRUCTURE)


def too_deep(raw, limit=MAX_DEPTH):
    """Whether arrays and objects nest deeper than ``limit`` in the JSON bytes ``raw`` (only
    the brackets outside strings count).

    Cheap (no Python loop over the body): a body with at most ``limit`` opening brackets is not
    scanned; otherwise only its quotes and brackets are kept (``bytes.translate``), strings
    without brackets are dropped as ``""`` pairs (removing two adjacent quotes keeps the quotes
    left paired and drops no bracket outside strings), the rare strings left with brackets are
    cut out, and the innermost ``[]`` pairs are removed once per level, ``limit`` times at most.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    brackets = _structure(raw).replace(b'""', b"")
    if b'"' in brackets:
        brackets = b"".join(brackets.split(b'"')[::2])
    for level in range(limit):
        peeled = brackets.replace(b"[]", b"")
        if not peeled:
            return False  # not deeper than the levels peeled
        if peeled == brackets:
            # Unbalanced (invalid JSON): closing brackets, then brackets never closed, each of
            # which the parser would enter (5,000 of them are a RecursionError, not an error).
            return level + peeled.count(b"[") > limit
        brackets = peeled
    return True


def _refuse_constant(name):
    raise PayloadError(f"{name} is not a JSON number (NaN and Infinity are refused)")


def _parse_int(literal):
    digits = len(literal) - (literal[:1] == "-")
    if digits > MAX_INT_DIGITS:
        raise PayloadError(f"an integer of {digits} digits is too large (at most {MAX_INT_DIGITS} digits)")
    return int(literal)


def _parse_float(literal):
    if len(literal) > MAX_NUMBER_CHARS:
        raise PayloadError(f"a number of {len(literal)} characters is too long (at most {MAX_NUMBER_CHARS})")
    value = float(literal)
    if not math.isfinite(value):
        raise PayloadError(f"the number {literal} is too large for a float")
    return value


def _walk_strings(value):
    """Every string (keys too) of a parsed JSON value."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            yield from item.keys()
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _check_strings(value):
    for text in _walk_strings(value):
        if "\x00" in text:
            raise PayloadError("a string holds a NUL character (\\u0000), which cannot be stored")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise PayloadError("a string holds a lone surrogate (\\ud800-\\udfff without its pair)") from None


def _decode(body):
    """``(bytes, text)`` of a body given as bytes or text (a leading byte order mark dropped)."""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    if not isinstance(body, bytes | bytearray | memoryview):
        raise PayloadError(f"the body must be bytes or text, not {type(body).__name__}")
    raw = bytes(body)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PayloadError(f"the body is not valid UTF-8 (byte {error.start})") from None


def loads_checked(body, max_depth=MAX_DEPTH):
    """``(value, warnings)`` of a JSON body (bytes or str), or :class:`PayloadError` naming the
    problem (see the module). ``warnings``: texts for a person (a key repeated with the same
    value)."""
    raw, text = _decode(body)
    if not text.strip():
        raise PayloadError("the body is empty")
    if too_deep(raw, max_depth):
        raise PayloadError(f"the JSON is nested deeper than {max_depth} levels")
    warnings = []

    def object_pairs(pairs):
        data = dict(pairs)
        if len(data) != len(pairs):
            seen, repeated = {}, []
            for key, value in pairs:
                if key in seen:
                    if seen[key] != value:
                        raise PayloadError(f"the key {key!r} appears twice in an object, with different values")
                    repeated.append(key)
                seen[key] = value
            warnings.append("key(s) repeated with the same value: {}".format(", ".join(map(repr, repeated))))
        return data

    # Numbers are parsed by the checking functions only when one may not fit (the common case
    # keeps the C parser's own int and float).
    numbers = {"parse_int": _parse_int, "parse_float": _parse_float} if _BIG_NUMBER.search(text) else {}
    try:
        value = json.loads(text, object_pairs_hook=object_pairs, parse_constant=_refuse_constant, **numbers)
    except PayloadError:
        raise
    except RecursionError:
        # Not reached after the depth check; kept so that a deep body can never become a 503.
        raise PayloadError(f"the JSON is nested deeper than {max_depth} levels") from None
    except ValueError as error:
        raise PayloadError(f"the body is not valid JSON: {error}") from None
    if _SUSPECT_ESCAPE.search(text):
        _check_strings(value)
    return value, warnings


def loads_strict(body, max_depth=MAX_DEPTH):
    """The JSON value of a body (bytes or str), or :class:`PayloadError` (see the module)."""
    return loads_checked(body, max_depth)[0]
