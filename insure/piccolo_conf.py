"""Piccolo configuration: the engine comes from settings; one app per package."""

from piccolo.conf.apps import AppRegistry

from insure.db import make_engine

DB = make_engine()

APP_REGISTRY = AppRegistry(
    apps=[
        "insure.piccolo_app",
        "products.piccolo_app",
        "claims.piccolo_app",
    ]
)
