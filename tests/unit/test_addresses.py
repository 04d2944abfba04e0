"""The addresses `lotse serve` names as it starts, for any host it listens on."""

from api.addresses import service_addresses


def test_an_ipv6_host_is_bracketed_and_every_address_is_under_the_host() -> None:
    assert service_addresses("::1", 8000) == {
        "API": "http://[::1]:8000/",
        "API documentation (OpenAPI 3.1)": "http://[::1]:8000/schema",
        "dashboard": "http://[::1]:8000/dashboard/",
    }
    assert set(service_addresses("0.0.0.0", 80).values()) == {
        "http://0.0.0.0:80/",
        "http://0.0.0.0:80/schema",
        "http://0.0.0.0:80/dashboard/",
    }
