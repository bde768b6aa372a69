"""compose.yaml, the README's configuration table, the settings and the lock file agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
# compose's own knobs (ports, replicas, image): documented in docs/deployment.md, not read by Insure
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "WEB_PORTS", "WORKER_QUEUES", "WORKER_CONCURRENCY"}
COMPOSE_ONLY |= {"DOCUMENTS_WORKER_CONCURRENCY", "INSURE_IMAGE"}
SECRETS = {"SECRET_KEY", "PAYMENT_WEBHOOK_SECRET", "POSTGRES_PASSWORD"}


def readme_settings() -> set[str]:
    text = (ROOT / "README.md").read_text()
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", table, re.MULTILINE))


def compose() -> tuple[dict, str]:
    text = (ROOT / "compose.yaml").read_text()
    return yaml.safe_load(text), text


def test_every_setting_the_code_reads_has_a_row_in_the_readme_table():
    # every quoted UPPER_CASE name in settings.py is a variable it reads (or names in an error message)
    read = set(re.findall(r"""["']([A-Z][A-Z0-9_]{2,})["']""", (ROOT / "insure" / "settings.py").read_text()))
    for path in [*ROOT.glob("products/*.py"), *ROOT.glob("claims/*.py")]:
        read |= set(re.findall(r"""environ\.get\(\s*["']([A-Z][A-Z0-9_]*)["']""", path.read_text()))
    assert read, "no settings found: the pattern no longer matches insure/settings.py"
    assert read - readme_settings() == set()


def test_compose_passes_every_setting_of_the_readme_table_to_every_app_service():
    data, _ = compose()
    env = data["x-insure-env"]
    assert readme_settings() - set(env) == set()
    for name in ("migrate", "web", "worker", "worker-documents", "beat"):
        assert data["services"][name]["environment"] == env


def test_compose_interpolates_only_documented_variables_and_requires_the_secrets():
    _, text = compose()
    used = dict(re.findall(r"\$\{([A-Z][A-Z0-9_]*)(:?[-?][^}]*)?\}", text))
    assert set(used) - readme_settings() - COMPOSE_ONLY == set()
    deployment = (ROOT / "docs" / "deployment.md").read_text()
    assert [name for name in COMPOSE_ONLY if name not in deployment] == []
    for secret in SECRETS:
        assert used[secret].startswith(":?"), f"{secret} must be required (${{{secret}:?…}}), not defaulted"
    assert "SMTP_URL" in used


def test_the_database_password_is_passed_on_its_own_not_inside_the_url():
    data, _ = compose()
    env = data["x-insure-env"]
    assert "${" not in env["DATABASE_URL"]  # a password with @ / : # would break the URL
    assert env["DATABASE_PASSWORD"] == data["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]


def test_mail_is_kept_on_a_volume_when_no_smtp_server_is_configured():
    data, _ = compose()
    mail_dir = data["x-insure-env"]["MAIL_DIR"]
    for name in ("web", "worker", "worker-documents"):
        assert f"mail:{mail_dir}" in data["services"][name]["volumes"]
    assert "mail" in data["volumes"]


def test_the_lock_pins_every_runtime_dependency_within_pyproject_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = (ROOT / "requirements.lock").read_text()
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", lock, re.MULTILINE))
    hashed = re.findall(r"^([a-z0-9][a-z0-9._-]*)==\S+ \\\n\s+--hash=sha256:[0-9a-f]{64}", lock, re.MULTILINE)
    assert pins and sorted(hashed) == sorted(pins)  # pip install --require-hashes needs a hash on every pin
    for line in project["dependencies"]:
        requirement = Requirement(line)
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pins, f"{name} is in pyproject.toml but not in requirements.lock: run scripts/update_lock.sh"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} does not satisfy {line}"
