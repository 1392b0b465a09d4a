"""Run the Singer tap `tap-xero` against the Xero sandbox by changing only its two hard-coded Xero URLs.

tap-xero 2.6.0 has no setting for where Xero is: `tap_xero/client.py` holds the accounting API base as the
constant `BASE_URL = "https://api.xero.com/api.xro/2.0"` and the token endpoint as the literal
`"https://identity.xero.com/connect/token"` inside `XeroClient.refresh_credentials`. This launcher reads that
module's source, replaces exactly those two URL strings (each must occur once, or it stops), registers the result
as `tap_xero.client` and calls the tap's own `main()` with the remaining arguments. Nothing else of the tap is
changed. It runs with the peer venv's Python (`.venv-peer/bin/python`), never Capsync's, and uses only the
standard library besides tap-xero itself:

    TAP_XERO_API_URL=http://127.0.0.1:PORT/api/api.xro/2.0 \
    TAP_XERO_TOKEN_URL=http://127.0.0.1:PORT/identity/connect/token \
    .venv-peer/bin/python bench/peer_tap_xero.py --config config.json --catalog catalog.json --state state.json
"""

import importlib.util
import os
import sys
from pathlib import Path

XERO_API_URL = "https://api.xero.com/api.xro/2.0"
XERO_TOKEN_URL = "https://identity.xero.com/connect/token"


def client_source_pointed_at(source: str, *, api_url: str, token_url: str) -> str:
    """tap_xero/client.py's source with only the two Xero URLs replaced (each must appear exactly once)."""
    for url in (XERO_API_URL, XERO_TOKEN_URL):
        found = source.count(f'"{url}"')
        if found != 1:
            raise SystemExit(
                f"peer_tap_xero: expected {url!r} once in tap_xero/client.py, found it {found} times; "
                "this launcher knows tap-xero 2.6.0 only"
            )
    return source.replace(f'"{XERO_API_URL}"', repr(api_url)).replace(f'"{XERO_TOKEN_URL}"', repr(token_url))


def main() -> None:
    api_url, token_url = os.environ["TAP_XERO_API_URL"], os.environ["TAP_XERO_TOKEN_URL"]
    # find_spec of a top-level package locates it without running its __init__ (which imports .client).
    package = importlib.util.find_spec("tap_xero")
    if package is None or not package.submodule_search_locations:
        raise SystemExit("peer_tap_xero: tap_xero is not installed in this Python (use .venv-peer/bin/python)")
    path = Path(package.submodule_search_locations[0]) / "client.py"
    spec = importlib.util.spec_from_file_location("tap_xero.client", path)
    module = importlib.util.module_from_spec(spec)
    source = client_source_pointed_at(path.read_text(), api_url=api_url, token_url=token_url)
    sys.modules["tap_xero.client"] = module  # `from .client import XeroClient` in the package now finds this one
    exec(compile(source, str(path), "exec"), module.__dict__)  # the tap's own code, two URLs changed

    import tap_xero

    tap_xero.main()


if __name__ == "__main__":
    main()
