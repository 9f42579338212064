"""moto in server mode, serialised: one request at a time.

The stock `moto_server` is threaded and moto's models hold no locks: under concurrent
connections a conditional update can be lost (51 bookings on a capacity of 50 was measured).
werkzeug's `threaded=False` serves one request at a time, which makes every DynamoDB condition
and transaction as atomic as the real service's.

moto backs up a transaction by deep-copying the whole table once per item of the transaction,
so each transaction costs time in proportion to the table (seconds once it holds a few thousand
items). Here a transaction backs up only the items it touches and puts them back if it is
cancelled: the same all-or-nothing outcome, at a cost that does not grow with the table.
"""

import copy
import sys

import moto.dynamodb.models as dynamodb_models
import werkzeug.serving
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

# Bursts of hundreds of concurrent connections (the booking tests) must queue, not time out:
# werkzeug's listen queue is 128 (a class attribute, read when the server binds).
werkzeug.serving.BaseWSGIServer.request_queue_size = 1024


class _TableSharingCopy:
    """moto's `copy` module, except that a table is not copied: the items are saved instead."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value, memo=None):
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


dynamodb_models.copy = _TableSharingCopy()
_transact_write_items = DynamoDBBackend.transact_write_items


def _touched_items(backend, transact_items):
    """The (table, key, saved copy or None) of every item a transaction names."""
    touched = []
    for entry in transact_items:
        for op_type, op in entry.items():
            table_name = op.get("TableName")
            if table_name not in backend.tables:
                continue
            table = backend.tables[table_name]
            if op_type == "Put":
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op.get("Key")
            if key is None:
                continue
            try:
                current = backend.get_item(table_name, key)
            except Exception:  # an invalid key: moto itself will refuse the transaction
                continue
            touched.append((table_name, key, copy.deepcopy(current)))
    return touched


def _transact_write_items_saving_touched_items(self, transact_items):
    touched = _touched_items(self, transact_items)
    try:
        return _transact_write_items(self, transact_items)
    except Exception:
        for table_name, key, saved in reversed(touched):
            if self.get_item(table_name, key) is not None:
                self.delete_item(table_name, key)
            if saved is not None:
                self.put_item(table_name, saved.to_json()["Attributes"])
        raise


DynamoDBBackend.transact_write_items = _transact_write_items_saving_touched_items


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
