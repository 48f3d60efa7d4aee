"""Reply webhooks cannot turn the service against its own network (no request forgery)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from notifier.services import Services
from tests.conftest import Api, LiveServer, run_worker
from tests.e2e.customer import Customer, put_desk
from tests.e2e.test_replies import Producer
from tests.fakes.twilio import FakeTwilio


class Witness:
    """An endpoint on this machine that nothing should reach: it notes any request at all."""

    def __init__(self) -> None:
        self.received: list[str] = []
        witness = self

        class Handler(BaseHTTPRequestHandler):
            def handle_one_request(self) -> None:
                """Note the request line, whatever the method, and answer 200."""
                self.raw_requestline = self.rfile.readline(65537)
                if self.raw_requestline and self.parse_request():
                    witness.received.append(self.requestline)
                    self.send_response(200)
                    self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/replies"


def serving(endpoint: Any) -> Iterator[Any]:
    """Serve `endpoint` until the test ends."""
    thread = threading.Thread(
        target=endpoint.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()
    thread.join()


@pytest.fixture
def producer() -> Iterator[Producer]:
    """A producer's endpoint on this machine."""
    yield from serving(Producer())


@pytest.fixture
def elsewhere() -> Iterator[Witness]:
    """Another endpoint on this machine, that nothing should reach."""
    yield from serving(Witness())


def allow_localhost(svc: Services, allowed: bool) -> None:
    """Set REPLY_WEBHOOK_ALLOW_LOCALHOST as development may."""
    svc.settings = replace(svc.settings, reply_webhook_allow_localhost=allowed)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/replies",  # not https
        "ftp://93.184.215.14/replies",
        "https://127.0.0.1/replies",
        "https://localhost:8443/replies",
        "https://[::1]/replies",
        "https://[::ffff:127.0.0.1]/replies",
        "https://2130706433/replies",  # 127.0.0.1 as one number
        "https://10.0.0.7/replies",
        "https://192.168.1.20/replies",
        "https://172.16.5.4/replies",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://[fd00:ec2::254]/latest/meta-data/",
        "https://100.100.100.200/latest/meta-data/",
        "https://0.0.0.0/replies",
        "https://does-not-resolve.invalid/replies",
    ],
)
def test_a_webhook_that_is_not_a_public_https_address_is_refused_when_set(
    api: Api, url: str
) -> None:
    answer = api.put_queue("desk", reply_webhook_url=url)

    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["reply_webhook_url"]
    assert api.call("GET", "/v1/queues/desk").status_code == 404


def test_a_public_https_webhook_is_taken(api: Api) -> None:
    answer = api.put_queue("desk", reply_webhook_url="https://93.184.215.14/replies")

    assert answer.status_code == 201, answer.text
    assert answer.json()["reply_webhook_url"] == "https://93.184.215.14/replies"


def test_plain_http_on_this_machine_only_where_development_allows_it(
    api: Api, svc: Services, producer: Producer
) -> None:
    assert api.put_queue("desk", reply_webhook_url=producer.url).status_code == 422
    allow_localhost(svc, True)
    assert api.put_queue("desk", reply_webhook_url=producer.url).status_code == 201
    assert api.put_queue("desk", reply_webhook_url="http://10.0.0.7/replies").status_code == 422


def test_the_address_is_checked_again_before_each_post(
    api: Api, svc: Services, live: LiveServer, fake_twilio: FakeTwilio, producer: Producer
) -> None:
    allow_localhost(svc, True)
    put_desk(api, reply_webhook_url=producer.url)
    me = Customer(api, svc, live, fake_twilio)
    me.join()
    allow_localhost(svc, False)  # as when the name now leads to this machine

    me.text("Can I bring my dog?")
    run_worker(svc)

    assert producer.received == []
    assert svc.dispatcher.queues["default"].scheduled_job_registry.count == 0  # no retry


def test_a_redirect_is_not_followed(
    api: Api,
    svc: Services,
    live: LiveServer,
    fake_twilio: FakeTwilio,
    producer: Producer,
    elsewhere: Witness,
) -> None:
    allow_localhost(svc, True)
    put_desk(api, reply_webhook_url=producer.url)
    me = Customer(api, svc, live, fake_twilio)
    me.join()
    producer.answer, producer.headers = 302, {"Location": elsewhere.url}

    me.text("Can I bring my dog?")
    run_worker(svc)

    assert len(producer.received) == 1
    assert elsewhere.received == []
    assert svc.dispatcher.queues["default"].scheduled_job_registry.count == 0
