"""The HTTP API (Litestar): routes, response types, authentication, error mapping; and the `lotse` CLI."""
