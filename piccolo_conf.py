"""For the `piccolo` command line run from the repository root; the configuration lives in the package."""

from insure.piccolo_conf import APP_REGISTRY, DB

__all__ = ["APP_REGISTRY", "DB"]
