"""Verifies a webhook the way a receiver does, with the `standardwebhooks` library.

Usage: verify_webhook.py SECRET < {"headers": {...}, "body": "..."}
Prints {"verified": true, "payload": ...} or {"verified": false, "error": ...}.
"""

import json
import sys

from standardwebhooks.webhooks import Webhook


def main() -> None:
    secret = sys.argv[1]
    received = json.load(sys.stdin)
    try:
        payload = Webhook(secret).verify(received["body"], received["headers"])
        json.dump({"verified": True, "payload": payload}, sys.stdout)
    except Exception as error:  # noqa: BLE001 - any failure means "not verified"
        json.dump({"verified": False, "error": f"{type(error).__name__}: {error}"}, sys.stdout)


if __name__ == "__main__":
    main()
