"""The running sandbox: its state wired to webhook delivery and, with --state, to the state file.

This is where the webhook dispatcher subscribes to the state's events, so state.py and webhooks.py never import
each other. The HTTP server and the control API get everything they need from a Runtime.
"""

from pathlib import Path

from xero_sandbox.persistence import StateFile
from xero_sandbox.records import SandboxOptions
from xero_sandbox.state import Sandbox
from xero_sandbox.webhooks import WebhookDispatcher


class Runtime:
    """A sandbox, its webhook dispatcher and its state file (None without --state), started and stopped together."""

    def __init__(self, options: SandboxOptions) -> None:
        self.sandbox = Sandbox(options)
        self.webhooks = WebhookDispatcher(self.sandbox)
        self.sandbox.subscribe(self.webhooks.handle_event)
        self.state_file = (
            StateFile(self.sandbox, Path(options.state_path), sections={"webhooks": self.webhooks})
            if options.state_path
            else None
        )

    def start(self) -> None:
        """Load the state file if there is one, otherwise seed; then start the background threads.

        Every app with a webhook runs intent-to-receive again (the receiver may have changed while we were down).
        """
        if self.state_file and self.state_file.exists():
            self.state_file.load()
        else:
            self.sandbox.seed()  # deterministic: no need to write it until something changes (or on shutdown)
        if self.state_file:
            self.state_file.start()
        self.webhooks.start()
        for app in list(self.sandbox.apps.values()):
            if app.webhook_url and app.webhook_key:
                self.webhooks.app_changed(app.client_id, validate=True)

    def stop(self) -> None:
        """Stop background threads and write the state file one last time."""
        self.sandbox.stopping.set()
        self.webhooks.stop()
        if self.state_file:
            self.state_file.stop()
