"""The `lotse audit` commands: verify the log, sign and export checkpoints, export the public key, restrict a role."""

import argparse
import sys
from pathlib import Path

import msgspec

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
from infrastructure.eventstore.migrations import schema_target
from infrastructure.eventstore.recorders import CaseStore
from infrastructure.eventstore.runtime_role import RuntimeRoleError, describe, grant_runtime_role


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Adds `lotse audit …` to the `lotse` command's parser."""
    audit = commands.add_parser("audit", help="the tamper-evident audit trail").add_subparsers(
        dest="action", required=True
    )
    verify = audit.add_parser(
        "verify", help="recompute the hash chains from the raw events and access-log entries; exit 1 if one fails"
    )
    verify.add_argument("--checkpoint", type=Path, action="append", default=[], help="a checkpoint file (repeatable)")
    verify.add_argument("--public-key", type=Path, help="PEM key the checkpoints must be signed with (default: ours)")
    checkpoint = audit.add_parser("checkpoint", help="verify the log, then sign, store and print its head")
    checkpoint.add_argument("--out", type=Path, help="also write the checkpoint to this file")
    checkpoints = audit.add_parser("checkpoints", help="print every stored checkpoint (a JSON array)")
    checkpoints.add_argument("--out", type=Path, help="also write them to this file")
    key = audit.add_parser("export-public-key", help="print the checkpoint key's public half (PEM)")
    key.add_argument("--out", type=Path, help="also write it to this file")
    role = audit.add_parser(
        "restrict-role", help="PostgreSQL: grant a role what `lotse migrate --runtime-role` does (run as the owner)"
    )
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
        return _restrict_role(lotse, args.role)
    except (AuditError, RuntimeRoleError, OSError) as error:
        print(f"lotse: {error}", file=sys.stderr)
        return 1


def _restrict_role(lotse: Lotse, role: str) -> int:
    """What `lotse migrate --runtime-role ROLE` grants, on the tables as they are (run it as their owner)."""
    factory = lotse.cases.factory
    if not isinstance(factory, CaseStore):
        raise RuntimeRoleError(f"no case store on {type(factory).__name__}")
    target, views = schema_target(factory), list(lotse.projections.runner.views.values())
    grants = grant_runtime_role(target.database, role, target.events_table, target.snapshots_table, views)
    for line in describe(grants):
        print(line)
    return 0


def _verify(audit: AuditTrail, files: list[Path], public_key: Path | None) -> int:
    checkpoints: list[Checkpoint] = [c for path in files for c in decode_checkpoints(path.read_bytes())]
    trusted = load_public_key(public_key.read_bytes()) if public_key is not None else None
    result = audit.verify(checkpoints, trusted)
    print(msgspec.json.format(msgspec.json.encode(result).decode(), indent=2))
    return 0 if result.ok and result.access_log.ok else 1


def _emit(text: str, out: Path | None) -> int:
    text = text if text.endswith("\n") else text + "\n"
    if out is not None:
        out.write_text(text)
    print(text, end="")
    return 0
