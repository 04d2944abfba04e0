"""Files shipped in the package, served under a path: the dashboard's pages and the API UI's assets.

A request names a file below one directory and nothing else: a path that leaves the directory, names no file, runs
on past a file (`main.js/x`) or holds a NUL byte is a 404, never a 500.
"""

from pathlib import Path
from typing import Any

from litestar import Request, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File, Redirect

INDEX = "index.html"


def shipped_files(
    path: str, directory: Path, *, name: str, index: bool = False, cache_control: CacheControlHeader | None = None
) -> Router:
    """Serves the files below `directory` under `path`, without a token and outside the OpenAPI schema; with `index`,
    `path/` answers its index.html and `path` redirects there (the pages' relative links need the slash)."""
    root = directory.resolve()

    @get("/", name=f"{name}-index", sync_to_thread=False)
    def serve_index(request: Request[Any, Any, Any]) -> File | Redirect:
        if not index:
            raise NotFoundException("no such file")
        if not bytes(request.scope.get("raw_path") or request.url.path.encode()).split(b"?")[0].endswith(b"/"):
            return Redirect(f"{path}/", status_code=308)
        return _file(root, INDEX)

    @get("/{file_path:path}", name=name, sync_to_thread=False)
    def serve_file(file_path: FromPath[str]) -> File:
        return _file(root, file_path)

    return Router(
        path=path,
        route_handlers=[serve_index, serve_file],
        include_in_schema=False,
        opt={"exclude_from_auth": True},
        cache_control=cache_control,
    )


def _file(root: Path, requested: str) -> File:
    relative = requested.lstrip("/")
    try:
        candidate = (root / relative).resolve() if relative and "\x00" not in relative else root
        found = root in candidate.parents and candidate.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        raise NotFoundException("no such file")
    return File(path=candidate, filename=candidate.name, content_disposition_type="inline")
