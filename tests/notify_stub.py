"""A local HTTP server standing in for GOV.UK Notify's API (the real one is not reachable here)."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class NotifyStub:
    """Records POST /v2/notifications/email; answers like Notify (201, or a chosen error)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.fail_with: int | None = None
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                auth = self.headers.get("Authorization", "")
                if stub.fail_with:
                    self._reply(stub.fail_with, {"status_code": stub.fail_with,
                                                 "errors": [{"error": "BadRequestError", "message": "refused"}]})
                    return
                stub.received.append({"path": self.path, "body": body, "auth": auth})
                self._reply(201, {"id": str(uuid.uuid4()), "reference": body.get("reference"),
                                  "content": {}, "template": {}, "uri": ""})

            def _reply(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
