"""What each kind of benefit asks of a claim (pure): the date that starts it, how it pays, who claims it and the
documents it needs. The product file names each coverage's kind (``benefit``, products.catalog_model.BENEFIT_KINDS).

- *Lump sums* (``fixed``) pay the cover's limit: nobody types an amount (an adjuster may approve less, e.g. a
  disability grade below 100 %).
- *Expenses* (``expense``) are reimbursed against itemised invoices: (billed − social insurance − deductible)
  × co-insurance, within the limits.
- *Daily* benefits pay the limit for each day in hospital, from the dates of admission and discharge.
"""

from __future__ import annotations

from dataclasses import dataclass

from insure.errors import N_

FIXED = "fixed"
EXPENSE = "expense"
DAILY = "daily"

# every document a claim can ask for; labels in both languages live in insure.labels ("claim_document")
DOCUMENT_TYPES = (
    "claimant_id",  # the claimant's identity card
    "insured_id",  # the insured's identity card (when the claimant is someone else)
    "relationship_proof",  # the beneficiary's link to the insured (household register, certificate)
    "death_certificate",
    "disability_assessment",  # a disability grading by an accredited assessor
    "diagnosis_report",  # the specialist's diagnosis (with pathology where the illness needs it)
    "medical_records",
    "discharge_summary",
    "invoices",  # the original medical or expense invoices
    "expense_list",  # the itemised list of charges from the hospital
    "accident_report",  # police or accident report
    "booking_proof",
    "cancellation_proof",
    "delay_certificate",  # the carrier's certificate of the delay
)


@dataclass(frozen=True)
class ClaimKind:
    code: str
    pays: str  # FIXED, EXPENSE or DAILY
    event_label: str  # the label of the date that starts the claim (an msgid)
    required_documents: tuple[str, ...]
    claimable: bool = True  # the maturity benefit is paid by the insurer at the end of the term, never claimed
    by_beneficiary: bool = False  # the claim is made by the beneficiary (the insured has died)


KINDS: dict[str, ClaimKind] = {
    kind.code: kind
    for kind in (
        ClaimKind(
            "death",
            FIXED,
            N_("Date of death (or of the total disability diagnosis)"),
            ("claimant_id", "insured_id", "death_certificate", "relationship_proof"),
            by_beneficiary=True,
        ),
        ClaimKind(
            "critical_illness",
            FIXED,
            N_("Date of diagnosis"),
            ("claimant_id", "diagnosis_report", "medical_records"),
        ),
        ClaimKind(
            "accident_death_disability",
            FIXED,
            N_("Date of the accident"),
            ("claimant_id", "accident_report", "disability_assessment"),
        ),
        ClaimKind(
            "medical",
            EXPENSE,
            N_("Date of admission or treatment"),
            ("claimant_id", "invoices", "expense_list", "discharge_summary"),
        ),
        ClaimKind(
            "hospital_allowance",
            DAILY,
            N_("Date of admission"),
            ("claimant_id", "discharge_summary"),
        ),
        ClaimKind(
            "trip_cancellation",
            EXPENSE,
            N_("Date the trip was cancelled"),
            ("claimant_id", "booking_proof", "cancellation_proof", "invoices"),
        ),
        ClaimKind(
            "travel_delay",
            FIXED,
            N_("Date of the delayed flight"),
            ("claimant_id", "delay_certificate"),
        ),
        ClaimKind("maturity", FIXED, N_("Maturity date"), (), claimable=False),
    )
}


def kind_of(coverage: object) -> ClaimKind:
    """The claim kind of a product coverage (its ``benefit``); unknown kinds read as medical expenses."""
    return KINDS.get(getattr(coverage, "benefit", "medical"), KINDS["medical"])


def claimable(coverages: tuple) -> tuple:
    """The coverages a claimant may claim under (not the maturity benefit)."""
    return tuple(c for c in coverages if kind_of(c).claimable)


def missing_documents(kind: ClaimKind, present: set[str]) -> tuple[str, ...]:
    """The required documents not yet received, in the checklist's order (all requested at once, art. 22)."""
    return tuple(doc for doc in kind.required_documents if doc not in present)
