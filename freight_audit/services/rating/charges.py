"""Charge rules (accessorials): what a charge code is and whether it may be paid without approval."""

from dataclasses import dataclass
from decimal import Decimal

from .amounts import DEFAULT_DECIMALS, ZERO, ContractError, RatingError, fmt_money, same_code, to_decimal

CHARGE_KINDS = ("base", "fuel", "accessorial", "tax")
AUTHORISATIONS = ("pre_authorised", "up_to_amount", "needs_approval")


@dataclass
class ChargeRule:
    """What a charge code is and whether it may be paid without approval.

    ``authorisation``: ``pre_authorised`` (any amount), ``up_to_amount`` (at most
    ``authorised_amount`` per invoice line) or ``needs_approval`` (never automatically).
    A rule without ``carrier`` applies to every carrier.
    """

    charge_code: str
    kind: str = "accessorial"
    authorisation: str = "pre_authorised"
    authorised_amount: Decimal | None = None
    rebillable: bool = False
    carrier: object = None
    charge_type: str = ""
    name: str = ""

    def __post_init__(self):
        self.charge_code = str(self.charge_code or "").strip().upper()
        if not self.charge_code:
            raise ContractError("A charge rule needs a charge code")
        label = self.label
        if self.kind not in CHARGE_KINDS:
            raise ContractError(f"{label}: kind {self.kind!r} is not one of {', '.join(CHARGE_KINDS)}")
        if self.authorisation not in AUTHORISATIONS:
            raise ContractError(
                f"{label}: authorisation {self.authorisation!r} is not one of {', '.join(AUTHORISATIONS)}"
            )
        self.authorised_amount = to_decimal(self.authorised_amount, f"{label}: authorised amount", allow_none=True)
        if self.authorisation == "up_to_amount" and (self.authorised_amount is None or self.authorised_amount < 0):
            raise ContractError(f"{label}: up_to_amount needs an authorised amount ≥ 0")

    @property
    def label(self):
        return f"charge rule {self.charge_code}" + (f" ({self.carrier})" if self.carrier is not None else "")


def find_charge_rule(rules, carrier, charge_code):
    """The carrier's own rule for ``charge_code``, else a rule for every carrier, else None."""
    code = str(charge_code or "").strip().upper()
    matching = [rule for rule in rules if rule.charge_code == code]
    own = [rule for rule in matching if rule.carrier is not None and same_code(rule.carrier, carrier)]
    generic = [rule for rule in matching if rule.carrier is None]
    return (own or generic or [None])[0]


@dataclass(frozen=True)
class AccessorialResult:
    """``status`` ``ok``, ``needs_approval`` or ``over_limit``; ``expected`` is what may be paid
    without approval (the billed amount, the authorised amount, or zero)."""

    status: str
    billed_amount: Decimal
    authorised_amount: Decimal | None
    expected: Decimal
    explanation: str


def evaluate_accessorial(rule, billed_amount, decimals=DEFAULT_DECIMALS):
    """Check a billed accessorial against its charge rule (``None``: no rule, needs approval).

    An authorised amount is a cap: billed exactly the cap is ok, one cent more is over
    the limit (no tolerance applies to caps).
    """
    billed = to_decimal(billed_amount, "billed amount", error=RatingError)
    shown = fmt_money(billed, decimals)
    if rule is None:
        return AccessorialResult(
            "needs_approval", billed, None, ZERO, f"billed {shown}: no charge rule, the charge needs approval"
        )
    if rule.authorisation == "pre_authorised":
        return AccessorialResult("ok", billed, None, billed, f"billed {shown}: pre-authorised ({rule.label})")
    if rule.authorisation == "needs_approval":
        return AccessorialResult("needs_approval", billed, None, ZERO, f"billed {shown}: needs approval ({rule.label})")
    cap = rule.authorised_amount
    if billed <= cap:
        return AccessorialResult(
            "ok", billed, cap, billed, f"billed {shown} ≤ authorised {fmt_money(cap, decimals)} ({rule.label})"
        )
    return AccessorialResult(
        "over_limit",
        billed,
        cap,
        cap,
        f"billed {shown} > authorised {fmt_money(cap, decimals)} by {fmt_money(billed - cap, decimals)} "
        f"({rule.label})",
    )
