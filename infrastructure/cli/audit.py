"""The `lotse audit` commands: verify the log, sign and export checkpoints, export the public key, restrict a role."""

import argparse
import sys
from pathlib import Path

import msgspec

from infrastructure.audit.append_only import restrict_role
from infrastructure.audit.chain import AuditError
from infrastructure.audit.checkpoints import (
    Checkpoint,
    decode_checkpoints,
    encode_checkpoints,
    load_public_key,
    public_key_pem,
)
from infrastructure.audit.trail import AuditTrail
from infrastructure.bootstrap import Lotse


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Adds `lotse audit …` to the `lotse` command's parser."""
    audit = commands.add_parser("audit", help="the tamper-evident audit trail").add_subparsers(
        dest="action", required=True
    )
    verify = audit.add_parser("verify", help="recompute the hash chain from the raw events; exit 1 if it fails")
    verify.add_argument("--checkpoint", type=Path, action="append", default=[], help="a checkpoint file (repeatable)")
    verify.add_argument("--public-key", type=Path, help="PEM key the checkpoints must be signed with (default: ours)")
    checkpoint = audit.add_parser("checkpoint", help="verify the log, then sign, store and print its head")
    checkpoint.add_argument("--out", type=Path, help="also write the checkpoint to this file")
    checkpoints = audit.add_parser("checkpoints", help="print every stored checkpoint (a JSON array)")
    checkpoints.add_argument("--out", type=Path, help="also write them to this file")
    key = audit.add_parser("export-public-key", help="print the checkpoint key's public half (PEM)")
    key.add_argument("--out", type=Path, help="also write it to this file")
    role = audit.add_parser("restrict-role", help="PostgreSQL: grant a role recording, never UPDATE/DELETE/TRUNCATE")
    role.add_argument("role")


def run(lotse: Lotse, args: argparse.Namespace) -> int:
    """Runs one `lotse audit` command; answers the exit status."""
    audit = lotse.audit
    try:
        if args.action == "verify":
            return _verify(audit, args.checkpoint, args.public_key)
        if args.action == "checkpoint":
            return _emit(encode_checkpoints(audit.checkpoint()), args.out)
        if args.action == "checkpoints":
            return _emit(encode_checkpoints(audit.checkpoints()), args.out)
        if args.action == "export-public-key":
            return _emit(public_key_pem(audit.public_key), args.out)
        restrict_role(audit.database, audit.events_table, args.role)
        print(
            f"{args.role}: may read and insert events, links, checkpoints and access-log entries;"
            " never change or remove them"
        )
        return 0
    except (AuditError, OSError) as error:
        print(f"lotse: {error}", file=sys.stderr)
        return 1


def _verify(audit: AuditTrail, files: list[Path], public_key: Path | None) -> int:
    checkpoints: list[Checkpoint] = [c for path in files for c in decode_checkpoints(path.read_bytes())]
    trusted = load_public_key(public_key.read_bytes()) if public_key is not None else None
    result = audit.verify(checkpoints, trusted)
    print(msgspec.json.format(msgspec.json.encode(result).decode(), indent=2))
    return 0 if result.ok else 1


def _emit(text: str, out: Path | None) -> int:
    text = text if text.endswith("\n") else text + "\n"
    if out is not None:
        out.write_text(text)
    print(text, end="")
    return 0
