"""Personal and banking data in journal payloads: what is redacted, what is masked, and how.

Plain Python (no ORM). Each addon describes the payloads of its own formats with
:class:`PayloadRules` (the connector's transport orders here, milestones in
``shipment_events/formats/``, carrier invoices and FAP messages in ``freight_audit/formats/``),
and ``logistics.message._payload_privacy_rules`` maps message types to them.

Two operations:

* :func:`redact`: the personal fields of a processed payload (names, street, phone, e-mail,
  signature images) are replaced IN PLACE by a keyed hash of their value (:func:`hash_token`,
  ``redacted-`` and 24 hex digits of an HMAC-SHA256 with the database's redaction secret): the
  same value always gives the same token (duplicates and the same person are still recognised),
  the value cannot be read back. The token fits the element sizes of X12 (N102: 60) and
  EDIFACT (an..35) and holds none of their separators. Redacting twice changes nothing.
* :func:`mask_banking`: banking references (IBAN, account numbers) are masked on intake,
  all but their last 4 characters (``****************0130``), before the body is journaled.

Formats: JSON (keys anywhere, dotted paths with ``*``), X12 (segment -> element positions, the
delimiters read from the ISA), EDIFACT (segment -> element or (element, component), the UNA's
delimiters and release character), CSV (column names of the header row). A payload that cannot
be read in its format is left as it is by :func:`redact` (JSON: its ``"key": "value"`` pairs are
still redacted textually); the caller records it.

Also here: :func:`safe_error_text` and :func:`safe_traceback`, what a log line may say about an
error whose message can quote a payload (a parser's error, a remote answer's excerpt).
"""

import csv
import hashlib
import hmac
import io
import json
import re
import traceback
from dataclasses import dataclass, field

from . import jsonsafe

TOKEN_PREFIX = "redacted-"
TOKEN_HEX = 24
TOKEN_RE = re.compile(r"redacted-[0-9a-f]{%d}\Z" % TOKEN_HEX)
MASK_CHAR = "*"
KEEP_LAST = 4

# Keys of personal values in any JSON payload of the suite (lower case, matched at any depth).
COMMON_PERSONAL_KEYS = frozenset(
    {
        "email",
        "emails",
        "e_mail",
        "phone",
        "phone_number",
        "phones",
        "mobile",
        "telephone",
        "fax",
        "signer",
        "signed_by",
        "signature",
        "signature_image",
        "signature_base64",
        "street",
        "street1",
        "street2",
        "street3",
        "address1",
        "address2",
        "address3",
        "address_1",
        "address_2",
        "address_line1",
        "address_line2",
        "address_line_1",
        "address_line_2",
        "contact_name",
        "recipient_name",
        "customer_name",
        "first_name",
        "last_name",
        "full_name",
        # Objects about a person: every value inside is personal.
        "recipient",
        "contact",
        "customers",
    }
)
# Keys of banking references in any JSON payload (masked on intake, see mask_banking).
COMMON_BANKING_KEYS = frozenset(
    {"iban", "account_number", "bank_account", "bank_account_number", "acc_number", "account_no"}
)


@dataclass(frozen=True)
class PayloadRules:
    """What is personal or banking in one payload format.

    ``kind``: ``json``, ``x12``, ``edifact`` or ``csv``.
    JSON: ``personal_keys`` (lower case, at any depth; a key holding an object or a list has
    all its values redacted), ``personal_paths`` (dotted, ``*`` for any key or list item, e.g.
    ``parcel.name``), ``banking_keys``.
    X12 / EDIFACT: ``personal_elements``: ``{segment id: (position, ...)}``, a position being an
    element (1-based after the segment id) or ``(element, component)`` (component 1-based);
    ``banking_elements`` alike.
    CSV: ``personal_columns``, ``banking_columns`` (header names, lower case).
    """

    kind: str
    personal_keys: frozenset = field(default_factory=frozenset)
    personal_paths: tuple = ()
    banking_keys: frozenset = field(default_factory=frozenset)
    personal_elements: dict = field(default_factory=dict)
    banking_elements: dict = field(default_factory=dict)
    personal_columns: frozenset = field(default_factory=frozenset)
    banking_columns: frozenset = field(default_factory=frozenset)

    @property
    def has_banking(self):
        return bool(self.banking_keys or self.banking_elements or self.banking_columns)


def json_rules(personal_keys=(), personal_paths=(), banking_keys=(), common=True):
    """JSON rules: the common personal keys (unless ``common`` is False) plus the format's own."""
    keys = set(COMMON_PERSONAL_KEYS if common else ()) | {key.lower() for key in personal_keys}
    return PayloadRules(
        "json",
        personal_keys=frozenset(keys),
        personal_paths=tuple(tuple(path.split(".")) for path in personal_paths),
        banking_keys=frozenset(key.lower() for key in banking_keys),
    )


# ----------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------
def is_token(value):
    return isinstance(value, str) and bool(TOKEN_RE.match(value))


def normalize(value):
    """The text hashed for a value: its words, case-folded (``" Jane  DOE"`` is ``"jane doe"``)."""
    return " ".join(str(value).split()).casefold()


def hash_token(value, secret):
    """``redacted-<24 hex>``: HMAC-SHA256 of the normalized value with ``secret``; a token is
    returned as it is (redaction is idempotent)."""
    if is_token(value):
        return value
    digest = hmac.new(secret.encode("utf-8"), normalize(value).encode("utf-8"), hashlib.sha256).hexdigest()
    return TOKEN_PREFIX + digest[:TOKEN_HEX]


def mask_value(value):
    """A banking reference masked but for its last 4 characters (spaces dropped); masking a
    masked value gives it back unchanged."""
    text = "".join(str(value).split())
    if len(text) <= KEEP_LAST:
        return MASK_CHAR * len(text)
    return MASK_CHAR * (len(text) - KEEP_LAST) + text[-KEEP_LAST:]


class _Counter:
    def __init__(self, transform):
        self.transform = transform
        self.count = 0

    def __call__(self, value):
        if value in (None, "") or isinstance(value, bool):
            return value
        new = self.transform(value)
        if new != value:
            self.count += 1
        return new


# ----------------------------------------------------------------------
# Entry points
# ----------------------------------------------------------------------
def redact(payload, rules, secret):
    """(payload, count): ``payload`` (bytes) with its personal values replaced by their tokens,
    and how many values were replaced (0: the bytes given back untouched)."""
    counter = _Counter(lambda value: hash_token(value, secret))
    result = _apply(payload, rules, counter, personal=True)
    return (result if counter.count else payload), counter.count


def redact_values(payload, values, secret):
    """(payload, count): every occurrence of ``values`` (texts, matched whatever their case) in
    ``payload`` (bytes) replaced by its token, wherever it stands (*Forget this contact*: the
    contact's name in a free text too). The tokens hold no separator of any format."""
    values = sorted({value for value in values if value and not is_token(value)}, key=len, reverse=True)
    if not values:
        return payload, 0
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload, 0
    pattern = re.compile("|".join(re.escape(value) for value in values), re.IGNORECASE)
    count = len(pattern.findall(text))
    if not count:
        return payload, 0
    return pattern.sub(lambda match: hash_token(match.group(0), secret), text).encode("utf-8"), count


def mask_banking(payload, rules):
    """(payload, count): the banking references of ``payload`` (bytes, text, or a JSON-able
    object for JSON rules) masked but for their last 4 characters."""
    if rules is None or not rules.has_banking:
        return payload, 0
    counter = _Counter(mask_value)
    if not isinstance(payload, bytes | str):
        if rules.kind != "json":
            return payload, 0
        result = _walk_json(payload, (), set(rules.banking_keys), (), counter)
        return (result if counter.count else payload), counter.count
    raw = payload.encode("utf-8") if isinstance(payload, str) else payload
    result = _apply(raw, rules, counter, personal=False)
    if not counter.count:
        return payload, 0
    return (result.decode("utf-8") if isinstance(payload, str) else result), counter.count


def _apply(raw, rules, counter, personal):
    if rules.kind == "json":
        keys = rules.personal_keys if personal else rules.banking_keys
        paths = rules.personal_paths if personal else ()
        return _json(raw, keys, paths, counter)
    if rules.kind == "x12":
        return _x12(raw, rules.personal_elements if personal else rules.banking_elements, counter)
    if rules.kind == "edifact":
        return _edifact(raw, rules.personal_elements if personal else rules.banking_elements, counter)
    if rules.kind == "csv":
        return _csv(raw, rules.personal_columns if personal else rules.banking_columns, counter)
    raise ValueError(f"unknown payload kind {rules.kind!r}")


# ----------------------------------------------------------------------
# JSON
# ----------------------------------------------------------------------
def _path_matches(pattern, path):
    return len(pattern) == len(path) and all(p in ("*", k) for p, k in zip(pattern, path, strict=True))


def _all_values(value, counter):
    if isinstance(value, dict):
        return {key: _all_values(item, counter) for key, item in value.items()}
    if isinstance(value, list):
        return [_all_values(item, counter) for item in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return counter(str(value))
    return counter(value) if isinstance(value, str) else value


def _walk_json(value, path, keys, paths, counter):
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            item_path = (*path, str(key).lower())
            if str(key).lower() in keys or any(_path_matches(p, item_path) for p in paths):
                result[key] = _all_values(item, counter)
            else:
                result[key] = _walk_json(item, item_path, keys, paths, counter)
        return result
    if isinstance(value, list):
        return [_walk_json(item, (*path, "*"), keys, paths, counter) for item in value]
    return value


def _json(raw, keys, paths, counter):
    if not keys and not paths:
        return raw
    try:
        # The one strict reader (depth capped before parsing): a poison body that the intake
        # refuses is journaled as failed through here, and must not blow up the masking.
        data = jsonsafe.loads_strict(raw)
    except (jsonsafe.PayloadError, UnicodeDecodeError, ValueError, RecursionError):
        return _json_text(raw, keys, counter)
    paths = [tuple(part.lower() for part in p) for p in paths]
    result = _walk_json(data, (), set(keys), paths, counter)
    if not counter.count:
        return raw
    return json.dumps(result, ensure_ascii=False).encode("utf-8")


_PAIR_RE = r'("(%s)"\s*:\s*)(?:"((?:[^"\\]|\\.)*)"|(-?\d+))'


def _json_text(raw, keys, counter):
    """A body that is not valid JSON: its ``"key": "value"`` (or number) pairs of the keys."""
    text = raw.decode("utf-8", errors="replace")
    pattern = re.compile(_PAIR_RE % "|".join(re.escape(key) for key in sorted(keys)), re.IGNORECASE)

    def replace(match):
        value = match.group(3) if match.group(3) is not None else match.group(4)
        new = counter(value)
        return f'{match.group(1)}"{new}"' if new != value else match.group(0)

    return pattern.sub(replace, text).encode("utf-8")


# ----------------------------------------------------------------------
# X12 and EDIFACT
# ----------------------------------------------------------------------
def _positions(spec):
    """``(1, (3, 2))`` -> {element: set of components (empty: the whole element)}."""
    result = {}
    for position in spec:
        if isinstance(position, tuple):
            result.setdefault(position[0], set()).add(position[1])
        else:
            result[position] = set()
    return result


def _replace_elements(elements, spec, counter, component_sep, split_components, join_components):
    changed = False
    for element, components in _positions(spec).items():
        if element >= len(elements) or not elements[element]:
            continue
        if not components:
            new = counter(elements[element])
        else:
            parts = split_components(elements[element])
            for component in components:
                if component <= len(parts) and parts[component - 1]:
                    parts[component - 1] = counter(parts[component - 1])
            new = join_components(parts)
        if new != elements[element]:
            elements[element] = new
            changed = True
    return changed


def _x12(raw, spec, counter):
    if not spec:
        return raw
    text = raw.decode("utf-8", errors="strict") if isinstance(raw, bytes) else raw
    start = text.find("ISA")
    if start < 0 or len(text) < start + 106:
        return raw
    element_sep, component_sep, terminator = text[start + 3], text[start + 104], text[start + 105]
    pieces = text.split(terminator)
    for index, piece in enumerate(pieces):
        stripped = piece.lstrip()
        lead = piece[: len(piece) - len(stripped)]
        elements = stripped.split(element_sep)
        if elements[0] not in spec:
            continue
        if _replace_elements(
            elements,
            spec[elements[0]],
            counter,
            component_sep,
            lambda value: value.split(component_sep),
            component_sep.join,
        ):
            pieces[index] = lead + element_sep.join(elements)
    return terminator.join(pieces).encode("utf-8")


def _edifact_split(text, sep, release):
    """Split ``text`` on ``sep`` not preceded by the release character (escapes kept as they are)."""
    parts, current, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == release and index + 1 < len(text):
            current.append(text[index : index + 2])
            index += 2
            continue
        if char == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def _edifact(raw, spec, counter):
    if not spec:
        return raw
    text = raw.decode("utf-8", errors="strict") if isinstance(raw, bytes) else raw
    component_sep, element_sep, release, terminator = ":", "+", "?", "'"
    stripped = text.lstrip()
    if stripped.startswith("UNA") and len(stripped) >= 9:
        component_sep, element_sep, release, terminator = stripped[3], stripped[4], stripped[6], stripped[8]

    def escape(value):
        for char in (release, component_sep, element_sep, terminator):
            value = value.replace(char, release + char)
        return value

    def transform(value):
        return escape(counter(value))

    segments = _edifact_split(text, terminator, release)
    for index, segment in enumerate(segments):
        body = segment.lstrip()
        lead = segment[: len(segment) - len(body)]
        if body.startswith("UNA"):
            continue
        elements = _edifact_split(body, element_sep, release)
        if elements[0] not in spec:
            continue
        if _replace_elements(
            elements,
            spec[elements[0]],
            transform,
            component_sep,
            lambda value: _edifact_split(value, component_sep, release),
            component_sep.join,
        ):
            segments[index] = lead + element_sep.join(elements)
    return terminator.join(segments).encode("utf-8")


# ----------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------
def _csv(raw, columns, counter):
    if not columns:
        return raw
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t|")
    except csv.Error:
        return raw
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        return raw
    wanted = [index for index, name in enumerate(rows[0]) if name.strip().lower() in columns]
    if not wanted:
        return raw
    for row in rows[1:]:
        for index in wanted:
            if index < len(row):
                row[index] = counter(row[index])
    if not counter.count:
        return raw
    out = io.StringIO()
    csv.writer(out, delimiter=dialect.delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


# ----------------------------------------------------------------------
# Logs
# ----------------------------------------------------------------------
def safe_error_text(error):
    """What a log line may say about ``error`` without quoting a payload: its class, plus the
    HTTP status of a remote answer or where a parser stopped."""
    name = error.__class__.__name__
    status = getattr(error, "status_code", None)
    where = getattr(error, "where", None)
    if status:
        return f"{name} (HTTP {status})"
    if where:
        return f"{name} at {str(where)[:80]}"
    return name


def safe_traceback(error):
    """The frames of ``error``'s traceback (file, line, code) and its class, without its message
    (which may quote the payload)."""
    frames = "".join(traceback.format_tb(error.__traceback__)) if error.__traceback__ else ""
    return f"Traceback (most recent call last):\n{frames}{error.__class__.__name__} (message withheld from the log)"
