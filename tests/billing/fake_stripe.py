"""A small Stripe on a loopback port: the REST endpoints our billing calls (customers,
Checkout Sessions, Billing Portal sessions, subscriptions, invoices, billing meter events),
with Stripe's form-encoded requests, JSON objects, list envelopes, idempotency keys and error
shapes; and the events Stripe would send, signed as Stripe signs them (``Stripe-Signature:
t=<unix>,v1=<hex HMAC-SHA256 of "t.payload" keyed with the whsec_ secret>``).

A stdlib ThreadingHTTPServer in a background thread, so the official ``stripe`` package
talks real HTTP to it (``api_base`` pointed here).
"""

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SECRET_KEY = "sk_test_" + "fake" * 6
WEBHOOK_SECRET = "whsec_" + "fakestripesigningsecret0123456789"
PRICES = {"starter": "price_starter_fake", "pro": "price_pro_fake", "enterprise": "price_ent_fake"}
AMOUNTS = {"price_starter_fake": 49000, "price_pro_fake": 99000, "price_ent_fake": 299000}
MONTH = 30 * 24 * 3600


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding back to objects: ``a[b][0][c]=v`` -> {"a": {"b": [{"c": v}]}}."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = out
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt: Any = value if last else ([] if parts[i + 1].isdigit() else {})
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                if node[index] is None or last:
                    node[index] = nxt
                node = node[index]
            else:
                if part not in node or last:
                    node[part] = nxt
                node = node[part]
    return out


def stripe_error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    param: str | None = None,
    kind: str = "invalid_request_error",
) -> tuple[int, dict[str, Any]]:
    error: dict[str, Any] = {"type": kind, "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return status, {"error": error}


@dataclass
class Received:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None


@dataclass
class FakeStripe:
    secret_key: str = SECRET_KEY
    webhook_secret: str = WEBHOOK_SECRET
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    meter_events: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    _replies: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    _failures: list[tuple[str, int, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> "FakeStripe":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, path: str, status: int, message: str) -> None:
        """The next request to ``path`` gets Stripe's error of that status (api_error for 5xx)."""
        with self._lock:
            self._failures.append((path, status, message))

    # --- what Stripe does on its side ---------------------------------------------------

    def complete_checkout(self, session_id: str) -> dict[str, Any]:
        """The customer pays: a subscription (and its first paid invoice) or a paid payment;
        returns the ``checkout.session.completed`` event Stripe then sends."""
        with self._lock:
            session = self.sessions[session_id]
            session.update(status="complete", payment_status="paid")
            if session["mode"] == "subscription":
                price = session["line_items"][0]["price"]
                subscription = self._new_subscription(session["customer"], price, session)
                session["subscription"] = subscription["id"]
                self._new_invoice(session["customer"], subscription, "paid")
            return self.event("checkout.session.completed", session)

    def fail_payment(self, subscription_id: str) -> dict[str, Any]:
        """The renewal's charge fails: an open invoice, the subscription past_due; returns the
        ``invoice.payment_failed`` event."""
        with self._lock:
            subscription = self.subscriptions[subscription_id]
            subscription["status"] = "past_due"
            invoice = self._new_invoice(subscription["customer"], subscription, "open")
            return self.event("invoice.payment_failed", invoice)

    def event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": _id("evt"),
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "type": kind,
            "livemode": False,
            "pending_webhooks": 1,
            "data": {"object": json.loads(json.dumps(obj))},
        }

    def sign(self, payload: bytes, *, at: int | None = None, secret: str | None = None) -> str:
        """The ``Stripe-Signature`` header for ``payload`` (Stripe's scheme v1)."""
        t = int(time.time()) if at is None else at
        key = (secret or self.webhook_secret).encode()
        digest = hmac.new(key, f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
        return f"t={t},v1={digest}"

    def _new_subscription(
        self, customer: str, price: str, session: dict[str, Any]
    ) -> dict[str, Any]:
        now = int(time.time())
        sub = {
            "id": _id("sub"),
            "object": "subscription",
            "customer": customer,
            "status": "active",
            "cancel_at_period_end": False,
            "current_period_start": now,
            "current_period_end": now + MONTH,
            "metadata": dict(session.get("subscription_data", {}).get("metadata", {})),
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": _id("si"),
                        "object": "subscription_item",
                        "price": {
                            "id": price,
                            "object": "price",
                            "unit_amount": AMOUNTS.get(price, 0),
                            "currency": "mad",
                        },
                        "current_period_start": now,
                        "current_period_end": now + MONTH,
                    }
                ],
                "has_more": False,
            },
        }
        self.subscriptions[sub["id"]] = sub
        return sub

    def _new_invoice(self, customer: str, sub: dict[str, Any], status: str) -> dict[str, Any]:
        price = sub["items"]["data"][0]["price"]
        invoice_id = _id("in")
        invoice = {
            "id": invoice_id,
            "object": "invoice",
            "customer": customer,
            "subscription": sub["id"],
            "status": status,
            "amount_due": price["unit_amount"],
            "amount_paid": price["unit_amount"] if status == "paid" else 0,
            "currency": price["currency"],
            "created": int(time.time()),
            "number": f"FAKE-{len(self.invoices) + 1:04d}",
            "hosted_invoice_url": f"https://invoice.stripe.com/i/{invoice_id}",
            "invoice_pdf": f"https://pay.stripe.com/invoice/{invoice_id}/pdf",
            "parent": {"subscription_details": {"subscription": sub["id"]}},
        }
        self.invoices[invoice_id] = invoice
        return invoice

    # --- the REST API ----------------------------------------------------------------------

    def _route(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "POST" and path == "/v1/customers":
            customer = {
                "id": _id("cus"),
                "object": "customer",
                "name": params.get("name"),
                "email": params.get("email"),
                "metadata": params.get("metadata", {}),
            }
            self.customers[customer["id"]] = customer
            return 200, customer
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._checkout(params)
        if method == "POST" and path == "/v1/billing_portal/sessions":
            customer = params.get("customer")
            if customer not in self.customers:
                return stripe_error(
                    400,
                    f"No such customer: '{customer}'",
                    code="resource_missing",
                    param="customer",
                )
            sid = _id("bps")
            return 200, {
                "id": sid,
                "object": "billing_portal.session",
                "customer": customer,
                "return_url": params.get("return_url"),
                "url": f"https://billing.stripe.com/p/session/{sid}",
            }
        if method == "GET" and path == "/v1/invoices":
            customer = params.get("customer")
            data = sorted(
                (i for i in self.invoices.values() if i["customer"] == customer),
                key=lambda i: i["created"],
                reverse=True,
            )
            limit = int(params.get("limit", 10))
            return 200, {
                "object": "list",
                "url": "/v1/invoices",
                "has_more": len(data) > limit,
                "data": data[:limit],
            }
        match = re.fullmatch(r"/v1/subscriptions/(sub_\w+)", path)
        if match:
            sub = self.subscriptions.get(match.group(1))
            if sub is None:
                return stripe_error(
                    404,
                    f"No such subscription: '{match.group(1)}'",
                    code="resource_missing",
                    param="id",
                )
            if method == "POST" and "cancel_at_period_end" in params:
                sub["cancel_at_period_end"] = params["cancel_at_period_end"] == "true"
            return 200, sub
        if method == "POST" and path == "/v1/billing/meter_events":
            identifier = params.get("identifier") or _id("mev")
            if identifier in self.meter_events:
                return 200, self.meter_events[identifier]
            event = {
                "object": "billing.meter_event",
                "event_name": params.get("event_name"),
                "identifier": identifier,
                "payload": params.get("payload", {}),
                "timestamp": int(params.get("timestamp", time.time())),
                "created": int(time.time()),
            }
            self.meter_events[identifier] = event
            return 200, event
        return stripe_error(404, f"Unrecognized request URL ({method}: {path}).")

    def _checkout(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        mode = params.get("mode")
        if mode not in ("subscription", "payment"):
            return stripe_error(400, "Invalid mode", param="mode")
        customer = params.get("customer")
        if customer not in self.customers:
            return stripe_error(
                400, f"No such customer: '{customer}'", code="resource_missing", param="customer"
            )
        items = params.get("line_items") or []
        if not items:
            return stripe_error(
                400,
                "Missing required param: line_items.",
                code="parameter_missing",
                param="line_items",
            )
        for n, item in enumerate(items):
            price = item.get("price")
            if price is not None and price not in AMOUNTS:
                return stripe_error(
                    400,
                    f"No such price: '{price}'",
                    code="resource_missing",
                    param=f"line_items[{n}][price]",
                )
        sid = _id("cs_test")
        amount = sum(
            AMOUNTS.get(i.get("price", ""), int(i.get("price_data", {}).get("unit_amount", 0)))
            * int(i.get("quantity", 1))
            for i in items
        )
        session = {
            "id": sid,
            "object": "checkout.session",
            "mode": mode,
            "customer": customer,
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "subscription_data": params.get("subscription_data", {}),
            "line_items": items,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "currency": (items[0].get("price_data") or {}).get("currency", "mad"),
            "subscription": None,
            "url": f"https://checkout.stripe.com/c/pay/{sid}",
        }
        self.sessions[sid] = session
        return 200, session

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                pairs = parse_qsl(body if method == "POST" else parts.query, keep_blank_values=True)
                params = unflatten(pairs)
                key = self.headers.get("Idempotency-Key")
                with fake._lock:
                    fake.received.append(Received(method, parts.path, params, key))
                    if self.headers.get("Authorization") != f"Bearer {fake.secret_key}":
                        status, reply = stripe_error(401, "Invalid API Key provided.")
                    elif any(f[0] == parts.path for f in fake._failures):
                        failure = next(f for f in fake._failures if f[0] == parts.path)
                        fake._failures.remove(failure)
                        kind = "api_error" if failure[1] >= 500 else "invalid_request_error"
                        status, reply = stripe_error(failure[1], failure[2], kind=kind)
                    elif key and key in fake._replies:
                        status, reply = fake._replies[key]
                    else:
                        status, reply = fake._route(method, parts.path, params)
                        if key and method == "POST":
                            fake._replies[key] = (status, reply)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", _id("req"))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                self._serve("POST")

            def do_GET(self) -> None:
                self._serve("GET")

        return Handler
