"""The claimant's e-mail of every step of a claim (claims.notices), rendered from its templates in the claimant's
language and written to the mail folder once per step: filed, the missing documents in one list, complete,
information requested (with the question), with an adjuster, approved (with the computation and the letter),
paid, denied (the reason, its code's label, the clause, the letter) and reopened."""

from __future__ import annotations

import email
import json
import secrets
from email import policy as email_policy

from claims import notices
from claims.tables import Claim, ClaimEvent
from insure import clock, i18n
from insure.auth.tables import User
from insure.settings import get_settings

from .conftest import bare_policy


def _mails(address: str) -> dict[str, email.message.EmailMessage]:
    found = {}
    for path in get_settings().mail_dir.glob("*.eml"):
        msg = email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
        if msg["To"] == address:
            found[msg["Subject"]] = msg
    return found


def test_every_step_is_e_mailed_once_in_the_claimants_language(in_db) -> None:
    async def body() -> None:
        policy = await bare_policy(effective_date=clock.today(), product_version="2026-01-01")
        await User.update({User.locale: "en", User.email: f"n-{secrets.token_hex(4)}@example.test"}).where(
            User.id == policy["customer"]
        )
        claimant = await User.select().where(User.id == policy["customer"]).first()
        calculation = [{"step": "claimed", "amount": "800.00"}, {"step": "within_limit", "amount": "700.00"}]
        rows = await Claim.insert(
            Claim(
                number=f"CN{secrets.token_hex(5)}".upper(),
                policy=policy["id"],
                claimant=claimant["id"],
                coverage_code="accidental_medical",
                loss_date=clock.today(),
                reported_on=clock.today(),
                description="unit",
                status="submitted",
                amount_fen=80000,
                approved_fen=70000,
                calculation=json.dumps(calculation),
                denial_code="excluded_cause",
                decision_reason="Injured while rock climbing",
            )
        ).returning(Claim.id, Claim.number)
        claim_id, number = rows[0]["id"], rows[0]["number"]
        sent = []
        for (current, target), kind in notices.NOTICE_OF.items():
            await Claim.update({Claim.status: target}).where(Claim.id == claim_id)
            reason = "Please send the X-ray report of the ankle" if kind == "info_requested" else "step"
            event = await ClaimEvent.insert(
                ClaimEvent(claim=claim_id, from_status=current, to_status=target, actor="unit", reason=reason)
            ).returning(ClaimEvent.id)
            assert await notices.send(event[0]["id"]) == kind
            assert await notices.send(event[0]["id"]) is None  # a repeated task sends nothing twice
            sent.append(kind)
        mails = _mails(claimant["email"])
        with i18n.use_locale("en"):
            for kind in set(sent):
                assert i18n.gettext(notices.SUBJECTS[kind], number=number) in mails, kind
        text = {subject: m.get_body(("plain",)).get_content() for subject, m in mails.items()}
        documents = text[f"Claim {number}: documents we still need"]
        assert "- Itemised list of charges" in documents and "- Original invoices" in documents  # one list, all of it
        assert "Please send the X-ray report of the ankle" in text[f"Claim {number}: we need more information"]
        approved = text[f"Claim {number} is approved"]
        assert "700.00" in approved and "Payable, within the cover's limit" in approved
        denied = text[f"Claim {number}: our decision"]
        assert "The cause of the loss is excluded by the policy (excluded_cause)" in denied
        assert "Policy terms, exclusions" in denied and "Injured while rock climbing" in denied
        assert "You will hear our decision by" in text[f"We have received your claim {number}"]
        letter = [
            p
            for p in mails[f"Claim {number}: our decision"].iter_attachments()
            if p.get_content_type() == "application/pdf"
        ]
        assert len(letter) == 1 and letter[0].get_content()[:4] == b"%PDF"

    in_db(body)
