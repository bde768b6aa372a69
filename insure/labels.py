"""Readable, translated names for stored codes (statuses, roles, channels, claim rules)."""

from __future__ import annotations

from insure.errors import N_
from insure.i18n import gettext

LABELS: dict[str, dict[str, str]] = {
    "status": {
        "pending_payment": N_("Awaiting payment"),
        "in_force": N_("In force"),
        "lapsed": N_("Lapsed"),
        "matured": N_("Matured"),
        "surrendered": N_("Surrendered"),
        "expired": N_("Expired"),
        "cancelled": N_("Cancelled"),
        "pending": N_("Pending"),
        "succeeded": N_("Succeeded"),
        "failed": N_("Failed"),
        "on_hold": N_("Awaiting your bank account"),
        "submitted": N_("Submitted"),
        "assessing": N_("Being assessed"),
        "approved": N_("Approved"),
        "referred": N_("With an adjuster"),
        "awaiting_approval": N_("Awaiting a second approval"),
        "denied": N_("Denied"),
        "paid": N_("Paid"),
        "awaiting_documents": N_("Waiting for your documents"),
        "info_requested": N_("More information requested"),
    },
    "instalment_status": {
        "paid": N_("Paid"),
        "due": N_("Due"),
        "void": N_("Void"),
    },
    "money_reason": {
        "free_look": N_("Free-look refund"),
        "surrender": N_("Surrender value"),
        "maturity": N_("Maturity benefit"),
        "claim": N_("Claim benefit"),
        "dividend": N_("Dividend payout"),  # the cash option and withdrawals (insure.accounts)
    },
    "batch_status": {  # insure.batch runs
        "running": N_("Running"),
        "done": N_("Done"),
        "superseded": N_("Superseded by the next day's run"),
    },
    "reinstatement_status": {
        "accepted": N_("Accepted"),
        "referred": N_("With an underwriter"),
        "declined": N_("Declined"),
    },
    "application_status": {
        "offered": N_("Revised terms offered"),
        "referred": N_("With an underwriter"),
        "accepted": N_("Accepted"),
        "declined": N_("Declined"),
        "postponed": N_("Postponed"),
        "withdrawn": N_("Withdrawn"),
    },
    "role": {
        "customer": N_("Customer"),
        "agent": N_("Agent"),
        "adjuster": N_("Adjuster"),
        "underwriter": N_("Underwriter"),
        "actuary": N_("Actuary"),
        "admin": N_("Administrator"),
    },
    "channel": {
        "direct": N_("Direct from the insurer"),
        "platform": N_("Insure platform"),
    },
    "rule": {
        "policy_in_force_on_loss_date": N_("The policy was in force on the date of the loss"),
        "amount_within_sum_insured": N_("The amount is within the sum insured"),
        "within_straight_through_limit": N_("The amount is within the automatic settlement limit"),
        "loss_not_in_future": N_("The loss happened before it was reported"),
        "no_prior_claims": N_("No earlier claim on this policy"),
        "benefit_payable": N_("Something is payable after the deductible"),
        "waiting_period_passed": N_("The loss is after the waiting period"),
        "annual_limit_left": N_("Something is left of the annual limit"),
    },
    "calculation": {
        "claimed": N_("Amount claimed"),
        "after_deductible": N_("After the deductible"),
        "insurer_share": N_("Insurer's share (co-insurance)"),
        "within_limit": N_("Payable, within the cover's limit"),
        "billed": N_("Billed (invoices)"),
        "social_insurance": N_("Covered by social insurance"),
        "deductible": N_("Deductible applied"),
        "fixed_benefit": N_("Fixed benefit (the cover's amount)"),
        "daily_benefit": N_("Daily benefit × days in hospital"),
        "annual_limit_left": N_("Left of the annual limit"),
        "payable": N_("Payable"),
    },
    "premium_line": {
        "net_premium": N_("Net premium (equivalence principle)"),
        "loading_per_mille": N_("Loading per 1,000 sum insured"),
        "policy_fee": N_("Policy fee"),
        "loading_percent_of_gross": N_("Expense loading (share of the gross premium)"),
        "modal_adjustment": N_("Extra for paying in instalments"),
        "base_premium": N_("Base premium from the rate table"),
        "smoker_loading": N_("Smoker loading"),
        "no_social_insurance_loading": N_("Loading without social medical insurance"),
    },
    "product_type": {
        "participating_whole_life": N_("Participating whole life"),
        "participating_endowment": N_("Participating endowment"),
        "term_life": N_("Term life"),
        "critical_illness": N_("Critical illness"),
        "medical": N_("Medical reimbursement"),
        "personal_accident": N_("Personal accident"),
        "travel": N_("Travel"),
    },
    "frequency": {
        "annual": N_("Annually"),
        "semi_annual": N_("Every six months"),
        "quarterly": N_("Quarterly"),
        "monthly": N_("Monthly"),
    },
    "term": {
        "whole_life": N_("Whole of life"),
        "single": N_("Single premium"),
        "policy_term": N_("For the whole policy term"),
        "to_age_60": N_("To age 60"),
        "to_age_70": N_("To age 70"),
    },
    "zone": {
        "asia": N_("Asia"),
        "europe": N_("Europe"),
        "worldwide": N_("Worldwide"),
    },
    "scenario": {
        "low": N_("Low"),
        "medium": N_("Medium"),
        "high": N_("High"),
    },
    "relation": {
        "self": N_("Myself"),
        "spouse": N_("Spouse"),
        "child": N_("Child"),
        "parent": N_("Parent"),
        "sibling": N_("Brother or sister"),
        "other": N_("Other"),
    },
    "outcome": {
        "accept": N_("Accept"),
        "load": N_("Accept with an extra premium"),
        "exclude": N_("Accept with an exclusion"),
        "refer": N_("Refer to an underwriter"),
        "postpone": N_("Postpone"),
        "decline": N_("Decline"),
    },
    "endorsement": {
        "address": N_("address"),
        "contact": N_("contact details"),
        "bank_account": N_("bank account"),
        "beneficiaries": N_("beneficiaries"),
        "dividend_option": N_("dividend option"),  # insure.accounts.options
    },
    # --- the adjuster's decision on a claim (issue 10, H5) ---
    "claim_document": {  # claims.kinds.DOCUMENT_TYPES
        "claimant_id": N_("Your identity card"),
        "insured_id": N_("The insured's identity card"),
        "relationship_proof": N_("Proof of your relationship to the insured"),
        "death_certificate": N_("Death certificate"),
        "disability_assessment": N_("Disability assessment"),
        "diagnosis_report": N_("Diagnosis report"),
        "medical_records": N_("Medical records"),
        "discharge_summary": N_("Discharge summary"),
        "invoices": N_("Original invoices"),
        "expense_list": N_("Itemised list of charges"),
        "accident_report": N_("Police or accident report"),
        "booking_proof": N_("Proof of booking"),
        "cancellation_proof": N_("Proof of cancellation"),
        "delay_certificate": N_("Carrier's delay certificate"),
    },
    "denial": {  # claims.model.DENIAL_CODES
        "not_in_force": N_("The policy was not in force on the date of the loss"),
        "waiting_period": N_("The loss happened during the waiting period"),
        "excluded_cause": N_("The cause of the loss is excluded by the policy"),
        "not_covered_event": N_("The event is not covered by the benefit claimed"),
        "fraud_suspected": N_("The claim could not be verified as genuine"),
        "insufficient_evidence": N_("The evidence does not support the claim"),
    },
    "claim_deadline": {  # claims.deadlines.KINDS
        "documents_notice": N_("Tell what is missing (at once)"),
        "decide": N_("Decide (30 days)"),
        "pay": N_("Pay (10 days)"),
        "denial_notice": N_("Reasoned denial notice (3 days)"),
    },
    "claim_decision": {  # claims.model.DECISION_OUTCOMES
        "approve": N_("Approve (in full or in part)"),
        "deny": N_("Deny"),
        "send_back": N_("Send back to the adjuster"),
    },
    "failure": {
        "card_declined": N_("the card was declined"),
        "insufficient_funds": N_("insufficient funds"),
    },
    "queue_sort": {  # claims.workbench_rules.SORTS (issue 10, H4)
        "urgency": N_("Urgency (fewest days left)"),
        "amount": N_("Amount (highest first)"),
        "score": N_("Fraud score (highest first)"),
        "newest": N_("Newest first"),
    },
}


def label(kind: str, code: str | None) -> str:
    """The translated label for a code; an unknown code is shown as it is rather than hidden."""
    if code is None:
        return ""
    text = LABELS.get(kind, {}).get(code)
    if text:
        return gettext(text)
    if kind == "term" and code.isdigit():
        return gettext("%(years)s years", years=code)
    return code
