"""moto in server mode, serialised: one request at a time.

The stock `moto_server` is threaded and moto's models hold no locks: under concurrent
connections a conditional update can be lost (51 bookings on a capacity of 50 was measured).
werkzeug's `threaded=False` serves one request at a time, which makes every DynamoDB condition
and transaction as atomic as the real service's.
"""

import sys

from moto.server import DomainDispatcherApplication, create_backend_app
from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import run_simple


class Quiet(MotoRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def main() -> None:
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 4566
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, app, threaded=False, use_reloader=False, request_handler=Quiet)


if __name__ == "__main__":
    main()
