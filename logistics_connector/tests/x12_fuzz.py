"""Hypothesis fuzzing of the X12 readers, shared by the fuzz tests of the suite
(``logistics_connector/tests/test_x12_fuzz.py``: envelope and inbound 997;
``shipment_events/tests/test_x12_214_fuzz.py``; ``freight_audit/tests/test_x12_210_fuzz.py``).

Random bytes and mutations of valid interchanges (characters replaced, inserted,
deleted, segments duplicated or dropped, the file cut, delimiters swapped) are fed to
a reader: nothing but ParseError may come out, and no example may take more than
:data:`EXAMPLE_SECONDS` (a SIGALRM guard stops a hang; Hypothesis' own deadline
reports slow examples). Reproducible: ``derandomize=True``, no example database
(``database=None``: nothing is written into the repository).
"""

import contextlib
import signal
import threading
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.addons.logistics_connector.services.exceptions import ParseError

EXAMPLE_SECONDS = 2
# Characters that matter to an X12 reader: delimiters, line breaks, digits, letters of segment ids.
ALPHABET = "*~>|^:.\u2026\n\r \t\x00\ufeff0123456789AEGILNSTXBMQ-"


def fuzz_settings(max_examples):
    return settings(
        max_examples=max_examples,
        deadline=timedelta(seconds=EXAMPLE_SECONDS),
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=False,
    )


@st.composite
def mutated(draw, samples):
    """A valid sample with a few random edits."""
    text = draw(st.sampled_from(samples))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["replace", "insert", "delete", "cut", "segment", "swap"]))
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        if kind == "replace":
            text = text[:at] + draw(st.text(ALPHABET, min_size=1, max_size=3)) + text[at + 1 :]
        elif kind == "insert":
            text = text[:at] + draw(st.text(ALPHABET, min_size=1, max_size=8)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif kind == "cut":
            text = text[:at]
        elif kind == "segment":
            segments = text.split("~")
            index = draw(st.integers(0, len(segments) - 1))
            if draw(st.booleans()):
                segments.insert(index, segments[index])
            else:
                segments.pop(index)
            text = "~".join(segments)
        else:
            old, new = draw(st.sampled_from(["*~>", "~*>", ">*~"])), draw(st.sampled_from(["|", "\n", "^", ":"]))
            text = text.replace(old[0], new)
    return text


def inputs(samples):
    """Random bytes, random X12-ish text, and mutations of ``samples``."""
    return st.one_of(
        st.binary(max_size=300),
        st.text(ALPHABET, max_size=300),
        st.text(ALPHABET, max_size=200).map(lambda tail: samples[0][:106] + tail),
        mutated(samples),
        mutated(samples).map(lambda text: text.encode("utf-8")),
    )


@contextlib.contextmanager
def time_limit(seconds):
    """Raise TimeoutError in the main thread after ``seconds`` (a hang guard); no-op elsewhere."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(_signum, _frame):
        raise TimeoutError(f"an example took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def fuzz(case, read, samples, max_examples):
    """Feed ``read`` the generated inputs: only ParseError may come out, and quickly."""
    outcomes = {"read": 0, "refused": 0}

    @fuzz_settings(max_examples)
    @given(inputs(samples))
    def run(data):
        with time_limit(EXAMPLE_SECONDS * 5):
            try:
                read(data)
            except ParseError:
                outcomes["refused"] += 1
            else:
                outcomes["read"] += 1

    run()
    case.assertGreater(outcomes["read"], 0, "no generated input was read: the mutations are too destructive")
    case.assertGreater(outcomes["refused"], 0, "no generated input was refused")
    return outcomes
