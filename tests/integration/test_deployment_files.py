"""compose.yaml and the README agree: the services the README promises, the settings it documents."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_the_api_the_worker_and_postgresql() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "db-replica", "migrate", "lotse", "lb", "worker"}
    assert services["migrate"]["command"] == ["lotse", "migrate"]
    for started_after_migration in ("lotse", "worker"):
        migrate = services[started_after_migration]["depends_on"]["migrate"]
        assert migrate["condition"] == "service_completed_successfully"
    assert services["lotse"]["command"][:2] == ["lotse", "serve"]
    assert services["worker"]["command"] == ["lotse", "worker"]
    assert services["lotse"]["environment"]["LOTSE_DATABASE_URL"].startswith("postgresql://")
    assert services["db"]["image"].startswith("postgres:")


def test_every_setting_compose_uses_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"\| `(LOTSE_[A-Z_]+)` \|", readme))
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    used = {name for service in compose["services"].values() for name in service.get("environment", {})}
    assert {name for name in used if name.startswith("LOTSE_")} <= documented


def test_every_setting_the_code_reads_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"\| `(LOTSE_[A-Z_]+)` \|", readme))
    code = "\n".join(path.read_text() for path in (ROOT / "infrastructure").rglob("*.py"))
    read = set(re.findall(r'"(LOTSE_[A-Z_]+)"', code))
    assert read <= documented, read - documented


def test_compose_puts_api_replicas_behind_a_load_balancer_reading_from_a_replica() -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    api = services["lotse"]
    assert api["deploy"]["replicas"] >= 2
    assert "--workers" in api["command"]
    assert "ports" not in api  # reached through the load balancer only
    assert services["lb"]["ports"] == ["8000:8000"]
    assert "lotse" in services["lb"]["depends_on"]
    nginx = (ROOT / "deploy" / "load-balancer" / "nginx.conf").read_text()
    assert "server lotse:8000" in nginx
    assert api["environment"]["LOTSE_READ_DATABASE_URL"].startswith("postgresql://")
    assert "@db-replica:" in api["environment"]["LOTSE_READ_DATABASE_URL"]
    assert "@db:" in api["environment"]["LOTSE_DATABASE_URL"]
    # The worker writes the views on the primary; the replica copies them.
    assert "LOTSE_READ_DATABASE_URL" not in services["worker"].get("environment", {})
    standby = (ROOT / "deploy" / "replica" / "standby.sh").read_text()
    assert "pg_basebackup" in standby
    assert "--write-recovery-conf" in standby
    assert "REPLICATION" in (ROOT / "deploy" / "postgres-init" / "20-replication.sh").read_text()
