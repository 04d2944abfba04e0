"""Secret files generated once into the data directory: the master key, the token key, the checkpoint key."""

import os
import secrets
from pathlib import Path


def write_secret_once(path: Path, content: bytes) -> None:
    """Writes `content` to `path` readable by the owner alone, unless the file exists; never half a file.

    The content is written whole under a temporary name, then linked into place: a process starting at the same
    moment either reads the complete file of whoever was first, or writes its own, never a mixture.
    """
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as secret_file:
        secret_file.write(content)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process was first: use its file
    finally:
        temporary.unlink()
