from pathlib import Path

from piccolo.conf.apps import AppConfig

from claims.beneficiary_tables import BeneficiaryClaim
from claims.exclusion_tables import ClaimExclusion
from claims.notice_tables import ClaimNotice
from claims.tables import Claim, ClaimDeadline, ClaimDocument, ClaimEvent, ClaimInvoice, ClaimNote, ClaimsStaff

APP_CONFIG = AppConfig(
    app_name="claims",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[
        Claim,
        ClaimEvent,
        ClaimInvoice,
        ClaimDocument,
        ClaimNote,
        ClaimDeadline,
        ClaimsStaff,
        ClaimNotice,
        ClaimExclusion,
        BeneficiaryClaim,
    ],
    migration_dependencies=["insure.piccolo_app"],
)
