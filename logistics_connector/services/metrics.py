"""The Prometheus text exposition format (version 0.0.4) of the journal's figures (plain Python).

``/logistics/metrics`` (``controllers/metrics.py``) gathers the figures with a few SQL
aggregates and renders them with :func:`render`; ``/logistics/health`` uses the same figures.
"""

from .webhook_counts import SharedCounters

# Processing time buckets, in seconds (the journal records ``processing_time_ms``).
BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

# Webhook answers by status, counted across the server's worker processes with no query on
# the webhook's path (services/webhook_counts.py).
WEBHOOK_ANSWERS = SharedCounters()


def count_webhook_answer(endpoint, status):
    WEBHOOK_ANSWERS.count(endpoint, status)


def webhook_answers():
    """{(endpoint, status): count} since the server started, over all its processes."""
    return WEBHOOK_ANSWERS.totals()


def _escape(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels):
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in labels.items()) + "}"


def _number(value):
    if value == float("inf"):
        return "+Inf"
    if isinstance(value, float):
        return repr(value)
    return str(value)


class Exposition:
    """Collects metric families and renders them in the text format."""

    def __init__(self):
        self._families = {}

    def family(self, name, kind, help_text):
        return self._families.setdefault(name, {"kind": kind, "help": help_text, "samples": []})

    def add(self, name, kind, help_text, value, **labels):
        self.family(name, kind, help_text)["samples"].append((name, labels, value))

    def histogram(self, name, help_text, labels, counts, total_sum, total_count):
        """``counts``: cumulative counts, one per bucket of :data:`BUCKETS`."""
        family = self.family(name, "histogram", help_text)
        for bound, count in zip(BUCKETS, counts, strict=True):
            family["samples"].append((f"{name}_bucket", {**labels, "le": _number(float(bound))}, count))
        family["samples"].append((f"{name}_bucket", {**labels, "le": "+Inf"}, total_count))
        family["samples"].append((f"{name}_sum", labels, total_sum))
        family["samples"].append((f"{name}_count", labels, total_count))

    def render(self):
        lines = []
        for name, family in self._families.items():
            lines.append(f"# HELP {name} {family['help']}")
            lines.append(f"# TYPE {name} {family['kind']}")
            for sample_name, labels, value in family["samples"]:
                lines.append(f"{sample_name}{_labels(labels)} {_number(value)}")
        return "\n".join(lines) + "\n"
