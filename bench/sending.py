"""Sending: the service's worker sending N texts to the fake Twilio, against a bare loop of the
`twilio` client at the same concurrency to the same fake.

The texts are made through the API (`ticket.joined` with consent) while no worker runs; then
the Procfile's worker starts and the rate is read off the fake's own arrival times, first
text to last, so neither side pays for starting up.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bench import seed
from bench.fake_twilio import SENDER, FakeTwilioProcess
from bench.plan import Context, send_concurrency
from bench.producer import Producer, create_key, joined, phone
from bench.report import Figure, Row, ratio_row
from bench.stack import procfile, say

QUEUE = "send"
DEFAULT_PUBLIC_URL = "http://localhost:8000"  # the service's own default
PHONES = 8_000_000
# About as long as the service's own acknowledgment: two segments.
BODY = (
    "Acme: you are number 4 in line at Bench desk. Your estimated wait is 25 minutes; please be "
    "back by 12:30 PM. Reply STATUS for your place in line, HELP for help, STOP to opt out. "
    "We will text you when you are close to the front."
)


def measure(ctx: Context, fake: FakeTwilioProcess) -> list[Row]:
    """The worker against the bare client loop, interleaved `reps` times."""
    texts = ctx.sizes.texts
    env = ctx.stack.env(ctx.target.url, **fake.env())
    url = ctx.stack.web("send-web", env)
    producer = Producer(url, create_key(ctx.stack, env, "bench-send"))
    producer.put_queue(QUEUE)
    service: list[Figure] = []
    bare: list[Figure] = []
    try:
        for rep in range(ctx.sizes.reps):
            service.append(_service(ctx, fake, producer, env, texts))
            bare.append(_bare(fake, texts, env.get("PUBLIC_BASE_URL", DEFAULT_PUBLIC_URL)))
            say(f"  send {ctx.target.kind} run {rep + 1}: {service[-1].text}; bare {bare[-1].text}")
    finally:
        ctx.stack.stop_all()
    path = f"sending {texts:,} texts, concurrency {send_concurrency()}"
    return [ratio_row(path, ctx.target.kind, service, bare, 0.5)]


def queue_texts(producer: Producer, texts: int) -> None:
    """Make `texts` texts through the API, each a new customer's acknowledgment."""
    run = uuid.uuid4().hex[:8]
    bodies = [joined(f"{run}-{n}", f"{run}{n}", phone(PHONES, n), QUEUE) for n in range(texts)]
    queued = producer.post_events(bodies)
    if queued != texts:
        raise RuntimeError(f"the service queued {queued} of {texts} texts")


def rate_of(times: list[float]) -> float:
    """Texts per second from the first arrival to the last."""
    if len(times) < 2 or max(times) == min(times):
        return 0.0
    return (len(times) - 1) / (max(times) - min(times))


def _service(
    ctx: Context, fake: FakeTwilioProcess, producer: Producer, env: dict[str, str], texts: int
) -> Figure:
    seed.reset(ctx.target.url)
    ctx.stack.flush_redis()
    fake.reset()
    queue_texts(producer, texts)
    ctx.target.analyze()
    worker = ctx.stack.start("send-worker", procfile("worker"), env)
    try:
        times = fake.wait(texts, 60 + texts / 10)
    finally:
        ctx.stack.stop(worker)
    rate = rate_of(times)
    text = f"{rate:,.0f} texts/s"
    if len(times) != texts:
        text += f" ({len(times):,} of {texts:,} arrived)"
    return Figure(rate, text)


class _BaseUrlClient(TwilioHttpClient):  # type: ignore[misc]  # twilio has no type hints
    """The `twilio` package's HTTP client aimed at the fake: its documented seam."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._base = urlsplit(base_url)

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        """Send to the fake's host instead of api.twilio.com."""
        parts = urlsplit(url)._replace(scheme=self._base.scheme, netloc=self._base.netloc)
        return super().request(method, urlunsplit(parts), **kwargs)


def _bare(fake: FakeTwilioProcess, texts: int, public_url: str) -> Figure:
    """`texts` creates from `send_concurrency()` threads, a client (and connection) each."""
    fake.reset()
    threads = send_concurrency()
    callback = public_url + "/v1/twilio/status"

    def send(first: int) -> None:
        http = _BaseUrlClient(fake.base_url, pool_connections=True, timeout=10)
        client = Client(fake.account_sid, fake.auth_token, http_client=http)
        for n in range(first, texts, threads):
            client.messages.create(
                to=phone(PHONES, n), from_=SENDER, body=BODY, status_callback=callback
            )

    pool = [threading.Thread(target=send, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    times = fake.wait(texts, 30)
    rate = rate_of(times)
    return Figure(rate, f"{rate:,.0f} texts/s")
