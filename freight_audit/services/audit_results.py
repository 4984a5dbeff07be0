"""What the audit engine (``services/audit.py``) returns: findings, line results, the invoice result.

Plain Python (no ORM). :data:`FINDING_CODES` lists every finding code the engine raises.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from .audit_inputs import LineIn

SEVERITY_ERROR = "error"
SEVERITY_INFO = "info"

# Stable finding codes -> what they mean. Severity ``info`` only reports; ``error`` blocks.
FINDING_CODES = {
    "EMPTY_INVOICE": "The invoice has no lines.",
    "DUPLICATE_INVOICE": "The carrier's invoice number was already billed.",
    "DUPLICATE_CHARGE": "The same charge of the same shipment was already billed.",
    "UNMATCHED_SHIPMENT": "No shipment is known under the reference billed.",
    "NOT_DELIVERED": "The shipment is not delivered and the company requires delivery before paying.",
    "POD_MISSING": "The proof of delivery is not complete and the company requires it.",
    "CURRENCY_MISMATCH": "The invoice currency is not the currency of the shipment or of the rate card.",
    "NO_RATE_CARD": "No rate card prices the shipment.",
    "SHIPMENT_DATA_MISSING": "A figure needed to rate the shipment (date, weight, pallets, km) is missing.",
    "RATE_VARIANCE": "The billed base freight is outside the tolerance around the contracted amount.",
    "WEIGHT_OVERBILLED": "The billed weight exceeds the actual weight beyond the weight tolerance.",
    "ACCESSORIAL_UNAUTHORISED": "The accessorial needs approval (or has no charge rule).",
    "ACCESSORIAL_OVER_LIMIT": "The accessorial exceeds its authorised amount.",
    "NO_FUEL_SCHEDULE": "No fuel schedule (or no period / index band) gives the fuel percent.",
    "FUEL_MISMATCH": "The billed fuel surcharge is outside the tolerance around the contracted one.",
    "UNDERCHARGE": "Billed less than expected beyond the tolerance; accepted, reported for information.",
    "TOTAL_MISMATCH": "The invoice total is not the sum of its lines.",
    "TOTAL_VARIANCE": "The billed total is outside the invoice tolerance around the expected total.",
    "TAX_MISMATCH": "The tax billed is not the tax computed on the charges by the accounting, to the cent.",
}


@dataclass(frozen=True)
class Finding:
    """One audit finding. ``source`` names the rule or contract that gave the expected amount;
    ``line_index`` is the 0-based index of the line in ``InvoiceIn.lines`` (None: invoice level)."""

    code: str
    severity: str
    message: str
    source: str = ""
    line_index: int | None = None
    shipment_ref: str | None = None
    expected: Decimal | None = None
    billed: Decimal | None = None

    @property
    def is_blocking(self):
        return self.severity == SEVERITY_ERROR


@dataclass
class LineResult:
    """The audit of one line. ``expected`` is None when it could not be computed (a finding
    says why); ``variance`` is ``billed - expected``."""

    line: LineIn
    index: int
    charge_kind: str
    expected: Decimal | None = None
    variance: Decimal | None = None
    findings: list = field(default_factory=list)
    explanation: str = ""
    source: str = ""
    rate_card_id: object = None
    rate_card_version: int | None = None
    fuel_percent: Decimal | None = None
    rebillable: bool = False
    duplicate_of: str | None = None

    @property
    def codes(self):
        return tuple(finding.code for finding in self.findings)

    def explain(self, text):
        self.explanation = f"{self.explanation}; {text}" if self.explanation else text


@dataclass
class AuditResult:
    status: str
    line_results: list
    invoice_findings: list
    expected_total: Decimal
    billed_total: Decimal
    expected_complete: bool = True
    currency: str = ""

    @property
    def findings(self):
        """Every finding, invoice level first, then line by line."""
        return list(self.invoice_findings) + [finding for result in self.line_results for finding in result.findings]

    @property
    def codes(self):
        return tuple(finding.code for finding in self.findings)

    def explanation(self):
        """The whole audit in plain words: the totals, then each finding and each line."""
        rows = [
            f"Audit {self.status}: billed {self.billed_total} {self.currency}, expected {self.expected_total}"
            + ("" if self.expected_complete else " (incomplete: some lines could not be rated)")
        ]
        rows += [f"[{finding.code}] {finding.message}" for finding in self.invoice_findings]
        for result in self.line_results:
            line = result.line
            rows.append(
                f"Line {line.sequence or result.index + 1} {line.shipment_ref} {line.charge_code} "
                f"({result.charge_kind}): {result.explanation}"
            )
            rows += [f"  [{finding.code}] {finding.message}" for finding in result.findings]
        return "\n".join(rows)
