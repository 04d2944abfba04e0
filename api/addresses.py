"""Where a served Lotse answers: the addresses `lotse serve` names as it starts."""

from api.dashboard import DASHBOARD_PATH
from api.schema_ui import SCHEMA_PATH


def service_addresses(host: str, port: int) -> dict[str, str]:
    """The API, its interactive documentation and the dashboard, by what they are."""
    base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    return {
        "API": f"{base}/",
        "API documentation (OpenAPI 3.1)": f"{base}{SCHEMA_PATH}",
        "dashboard": f"{base}{DASHBOARD_PATH}/",
    }


def start_up_message(host: str, port: int) -> str:
    """One line per address, in the shape of the server's own start-up lines."""
    return "\n".join(f"INFO:     Lotse {what}: {url}" for what, url in service_addresses(host, port).items())
