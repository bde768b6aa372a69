"""Every route of participating accounts, registered by insure.app."""

from __future__ import annotations

from insure.accounts.customer_api import AccountController
from insure.accounts.customer_pages import AccountPages
from insure.accounts.notice_api import NoticeController
from insure.accounts.staff_api import DeclarationsController
from insure.accounts.staff_pages import DeclarationPages

ROUTES = [DeclarationsController, DeclarationPages, AccountController, AccountPages, NoticeController]
