"""Command line: python -m casework_keycloak {provision,apply} ...

See the README section "Identity: realm file, dev overlay, apply, provision".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from casework_keycloak.apply import RealmApplier
from casework_keycloak.connect import add_connection_options, admin_from_options
from casework_keycloak.members import ExportError, read_export
from casework_keycloak.provision import COVERAGE, Provisioner
from casework_keycloak.realmfile import REALM_FILE, load_document


def _provision(args: argparse.Namespace) -> int:
    try:
        export = read_export(args.export.read_bytes())
    except ExportError as exc:
        print(f"{args.export}: {exc}", file=sys.stderr)
        return 2
    report = Provisioner(admin_from_options(args), coverage=args.coverage, dry_run=args.dry_run).run(export)
    print(f"{args.export}: {len(export.members)} valid rows ({export.encoding})")
    for line in report.lines:
        print(f"  {line}")
    for error in report.errors:
        print(f"  error: {error}")
    print(report.summary())
    return 1 if report.errors else 0


def _apply(args: argparse.Namespace) -> int:
    document = load_document(args.realm_file, args.overlay)
    args.realm = document["realm"]
    report = RealmApplier(admin_from_options(args), document, dry_run=args.dry_run).run()
    for change in report.changes:
        print(f"  {change}")
    print(report.summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit status 0 = done, 1 = done with row errors, 2 = nothing done."""
    parser = argparse.ArgumentParser(prog="python -m casework_keycloak", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    provision = commands.add_parser("provision", help="create/update/disable people from a membership export (CSV)")
    provision.add_argument("export", type=Path, help="CSV: membership number, name, email, branch, region, role")
    provision.add_argument("--dry-run", action="store_true", help="report what would change; change nothing")
    provision.add_argument(
        "--coverage",
        choices=COVERAGE,
        default="branch",
        help="leavers are looked for only in the branches (default) or regions that the export lists",
    )
    add_connection_options(provision)
    provision.set_defaults(run=_provision)
    apply = commands.add_parser("apply", help="create or update roles, client scopes, clients... from the realm file")
    apply.add_argument("--realm-file", type=Path, default=REALM_FILE)
    apply.add_argument("--overlay", type=Path, action="append", default=[], help="dev overlay (never in production)")
    apply.add_argument("--dry-run", action="store_true", help="report what would change; change nothing")
    add_connection_options(apply)
    apply.set_defaults(run=_apply)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
