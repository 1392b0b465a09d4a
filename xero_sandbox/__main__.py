"""Command line: ``python -m xero_sandbox serve [options]``."""

import argparse
import logging
import signal
import sys
import threading

from xero_sandbox.limits import TIERS
from xero_sandbox.records import SandboxOptions
from xero_sandbox.runtime import Runtime
from xero_sandbox.server import SandboxHTTPServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m xero_sandbox", description="Emulate Xero's APIs locally.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the sandbox HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--seed", choices=["empty", "demo"], default="empty")
    serve.add_argument("--contacts", type=int, default=None, help="benchmark org: number of contacts")
    serve.add_argument("--invoices", type=int, default=None, help="benchmark org: number of invoices")
    serve.add_argument(
        "--organisations",
        type=int,
        default=1,
        help="benchmark orgs of that size: 'Benchmark Org' alone, else 'Benchmark Org 001', ...",
    )
    serve.add_argument("--rate-limits", choices=["xero", "off"], default="xero")
    serve.add_argument(
        "--tier", choices=sorted(TIERS), default="default", help="Xero app tier: its day limit and connection cap"
    )
    serve.add_argument("--latency-ms", type=int, default=0, help="delay added to every accounting call")
    serve.add_argument("--state", default=None, help="JSON file to load at start and save to")
    serve.add_argument("--webhook-url", default=None, help="webhook URL of the demo app")
    serve.add_argument("--webhook-key", default=None, help="webhook key of the demo app")
    serve.add_argument("--record-bodies", action="store_true", help="keep request/response bodies in the calls log")
    serve.add_argument("--log-level", default="WARNING")
    return parser


def serve(args: argparse.Namespace) -> int:
    if args.webhook_url and not args.webhook_key:
        print("--webhook-url needs --webhook-key", file=sys.stderr)  # noqa: T201
        return 2
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    options = SandboxOptions(
        seed=args.seed,
        contacts=args.contacts,
        invoices=args.invoices,
        organisations=args.organisations,
        rate_limits=args.rate_limits == "xero",
        tier=args.tier,
        latency_ms=args.latency_ms,
        record_bodies=args.record_bodies,
        state_path=args.state,
        webhook_url=args.webhook_url,
        webhook_key=args.webhook_key,
    )
    runtime = Runtime(options)
    runtime.start()
    sandbox = runtime.sandbox
    server = SandboxHTTPServer((args.host, args.port), runtime)
    host, port = server.server_address[:2]
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - only compared, never bound
    sandbox.base_url = f"http://{shown_host}:{port}"

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"xero_sandbox listening on {sandbox.base_url}", flush=True)  # noqa: T201
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        runtime.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
