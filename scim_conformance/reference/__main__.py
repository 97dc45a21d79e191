"""Command line: `python -m scim_conformance.reference --port 8080 --token T`."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import threading

from .app import DEFAULT_ORG_ID, ReferenceApp
from .faults import Fault
from .limiters import Limiter, parse
from .runner import serve


def _fault(text: str) -> Fault:
    """argparse type for --fault."""
    try:
        return Fault.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _limit(text: str) -> Limiter:
    """argparse type for --limit."""
    try:
        return parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; --help lists every fault."""
    width = max(len(f.value) for f in Fault)
    faults = "\n".join(f"  {f.value:<{width}}  {f.description}" for f in Fault)
    parser = argparse.ArgumentParser(
        prog="python -m scim_conformance.reference",
        description="In-memory Webex-style SCIM 2.0 server for conformance testing. "
        "Serves /identity/scim/{org-id}/v2 on a loopback address until Ctrl-C.",
        epilog=f"faults (each breaks exactly one behaviour):\n{faults}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8080, help="TCP port (0: any free port)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)"
    )
    parser.add_argument(
        "--token",
        default=None,
        help="bearer token clients must send (default: $SCIM_TOKEN, else a random one)",
    )
    parser.add_argument("--org-id", default=DEFAULT_ORG_ID, help="organisation id in the path")
    parser.add_argument(
        "--fault",
        action="append",
        type=_fault,
        default=[],
        metavar="NAME",
        help="enable a deliberately broken behaviour (repeatable; list below)",
    )
    parser.add_argument(
        "--limit",
        type=_limit,
        default=None,
        metavar="KIND",
        help="enforce a rate limit, refused with 429 and Retry-After: bucket:RATE:BURST, "
        "window:LIMIT:SECONDS (per fixed window) or one-in:N[:SECONDS] (by count)",
    )
    parser.add_argument("--log", action="store_true", help="log each request to stderr")
    parser.add_argument(
        "--until-eof",
        action="store_true",
        help="stop when standard input closes (how pytest --scim-reference runs it)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the server until Ctrl-C; returns the exit status."""
    args = build_parser().parse_args(argv)
    token = args.token or os.environ.get("SCIM_TOKEN")
    if not token:
        token = secrets.token_urlsafe(24)
        print(f"generated bearer token: {token}", flush=True)
    app = ReferenceApp(token, org_id=args.org_id, faults=args.fault, limiter=args.limit)
    try:
        with serve(app, host=args.host, port=args.port, log=args.log) as running:
            print(f"SCIM reference server listening on {running.base_url}", flush=True)
            if args.until_eof:
                sys.stdin.read()  # returns when the parent closes the pipe, or dies
            else:
                threading.Event().wait()
    except (ValueError, OSError) as exc:  # A non-loopback host, or the port is taken.
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
