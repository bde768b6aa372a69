from pathlib import Path

from piccolo.conf.apps import AppConfig

from products.tables import Quote

APP_CONFIG = AppConfig(
    app_name="products",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Quote],
    migration_dependencies=["insure.piccolo_app"],
)
