from pathlib import Path

from piccolo.conf.apps import AppConfig

from insure.accounts.tables import AccountEntry, Declaration, DeclarationEvent, DividendAllocation
from insure.applications.tables import Application, ApplicationEvent
from insure.auth.tables import ApiToken, User
from insure.batch_tables import BatchRun
from insure.clock_store import ClockSetting
from insure.documents_tables import Document
from insure.ledger.tables import JournalEntry, JournalLine, LedgerAccount
from insure.outbox import OutboxMessage
from insure.payments.tables import Payment, Payout, Refund, SandboxBankAccount, SandboxCard, SandboxCharge
from insure.policies.tables import Endorsement, Instalment, Policy, PolicyEvent, Reinstatement
from insure.state_tables import StateEvent
from insure.work import WorkAttempt, WorkAttemptEvent

APP_CONFIG = AppConfig(
    app_name="insure",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[
        User,
        ApiToken,
        LedgerAccount,
        JournalEntry,
        JournalLine,
        OutboxMessage,
        Policy,
        PolicyEvent,
        Instalment,
        Endorsement,
        Reinstatement,
        Payment,
        SandboxCharge,
        Refund,
        SandboxCard,
        Payout,
        SandboxBankAccount,
        Document,
        ClockSetting,
        Application,
        ApplicationEvent,
        WorkAttempt,
        WorkAttemptEvent,
        StateEvent,
        BatchRun,
        Declaration,
        DividendAllocation,
        AccountEntry,
        DeclarationEvent,
    ],
)
