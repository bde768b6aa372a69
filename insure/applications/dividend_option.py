"""The dividend option chosen at application (红利领取方式), pure: which options a product offers, what each
means in one plain sentence, and the option an application stores (docs/dividends.md).

Only participating products of the cash-dividend style ask for an option; a reversionary-bonus product (the
bonus raises the cover, there is nothing to choose) and a non-participating product store "".
"""

from __future__ import annotations

from insure.errors import N_, FieldError
from products.catalog_model import Product

CASH_STYLE = "cash"

# code → (short label, one plain sentence for the form); the codes are accounts.model.DividendOption
OPTION_TEXT: dict[str, tuple[str, str]] = {
    "cash": (N_("paid in cash"), N_("Each year's dividend is paid into your bank account.")),
    "premium_offset": (
        N_("premium offset"),
        N_("Each year's dividend pays part of your next premium; anything left over stays in your account."),
    ),
    "accumulate": (
        N_("accumulate at interest"),
        N_("Each year's dividend stays in your policy account and earns interest at the declared rate."),
    ),
    "paid_up_additions": (
        N_("buy paid-up additions"),
        N_("Each year's dividend buys extra paid-up cover, which raises the sum insured and has its own cash value."),
    ),
}


def offered(product: Product) -> tuple[str, ...]:
    """The options an applicant chooses from: () unless the product pays cash dividends."""
    part = product.participation
    if part is None or part.style != CASH_STYLE:
        return ()
    return tuple(part.options)


def chosen(product: Product, raw: object) -> tuple[str, FieldError | None]:
    """The option to store for an application: the one asked for, the product's default when none is given,
    "" for a product without options. An option the product does not offer is an error on `dividend_option`."""
    options = offered(product)
    value = str(raw or "").strip()
    if not options:
        if value:
            return "", FieldError(
                "dividend_option", "option_not_offered", N_("This product has no dividend option to choose.")
            )
        return "", None
    if not value:
        return product.participation.default_option, None  # type: ignore[union-attr]
    if value not in options:
        return "", FieldError(
            "dividend_option",
            "option_not_offered",
            N_("This product offers these dividend options only: %(options)s."),
            {"options": ", ".join(options)},
        )
    return value, None


def policy_option(product: Product, stored: str) -> str:
    """The option a new policy starts with: the application's, else the product's default (cash style only)."""
    options = offered(product)
    if not options:
        return ""
    return stored if stored in options else product.participation.default_option  # type: ignore[union-attr]
