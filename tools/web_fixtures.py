"""Web inputs for tests: pages, a local HTTP server (127.0.0.1 only, an ephemeral port) with one route per way a
fetch goes right or wrong, and a builder of WARC archives. `tests/runner/conftest.py` makes fixtures of them."""

from __future__ import annotations

import gzip
import http.server
import io
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

GERMAN = ("Die Regierung hat am Montag beschlossen, die Steuern zu senken. Die Opposition kritisiert das scharf. "
          "Der Finanzminister verteidigte den Plan am Dienstag im Bundestag.")


def article_html(title: str, text: str = GERMAN) -> str:
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"<script>var tracking = 'nicht lesen';</script></head><body><nav><a href=\"/\">Startseite</a></nav>"
            f"<article><h1>{title}</h1><p>{text}</p></article><footer>Impressum</footer></body></html>")


ALL_SCRIPT = ("<!doctype html><html><head><script>var a = 1;</script></head><body><script>document.write('Die "
              "Regierung hat beschlossen.');</script><style>p { color: red }</style></body></html>")
NO_ARTICLE = ("<!doctype html><html><head><title>Startseite</title></head><body><nav><ul><li>Politik</li>"
              "<li>Wirtschaft</li></ul></nav><footer>Impressum und Datenschutz</footer></body></html>")
HUGE = 1 << 30  # what the huge route would send if it were let


@dataclass
class WebServer:
    """The server's base URL and what it saw: requests per path, the User-Agent, bytes the huge route sent."""

    base: str
    hits: Counter = field(default_factory=Counter)
    agents: list[str] = field(default_factory=list)
    sent: Counter = field(default_factory=Counter)

    def url(self, path: str) -> str:
        return self.base + path


def _handler(server: WebServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one response per connection: a dropped body never confuses the next

        def log_message(self, *args) -> None:  # quiet
            pass

        def send(self, status: int, body: bytes = b"", content_type: str | None = "text/html; charset=utf-8",
                 headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # one branch per route
            path = self.path.split("?")[0]
            server.hits[path] += 1
            server.agents.append(self.headers.get("User-Agent", ""))
            name = path.rsplit("/", 1)[-1]
            if path.startswith("/article/"):
                self.send(200, article_html(f"Bericht {name}").encode())
            elif path == "/latin1":
                self.send(200, article_html("Straßenbau für Bürger").encode("latin-1"), "text/html; charset=iso-8859-1")
            elif path == "/gzip":
                self.send(200, gzip.compress(article_html("Gepackt").encode()), headers={"Content-Encoding": "gzip"})
            elif path == "/script":
                self.send(200, ALL_SCRIPT.encode())
            elif path == "/nav":
                self.send(200, NO_ARTICLE.encode())
            elif path == "/pdf":
                self.send(200, b"%PDF-1.4\n" + b"0" * 100, "application/pdf")
            elif path == "/untyped":
                self.send(200, article_html("Ohne Typ").encode(), None)
            elif path.startswith("/moved/"):
                self.send(301, headers={"Location": f"/article/{name}"})
            elif path in ("/loop-a", "/loop-b"):
                self.send(302, headers={"Location": "/loop-b" if path == "/loop-a" else "/loop-a"})
            elif path.startswith("/hop/"):
                self.send(302, headers={"Location": f"/hop/{int(name) + 1}"})
            elif path == "/slow":
                time.sleep(5)
                self.send(200, article_html("Langsam").encode())
            elif path == "/drip":
                self.send(200, b"<html><body><p>")
                try:
                    for _ in range(100):
                        time.sleep(0.1)
                        self.wfile.write(b"a")
                        self.wfile.flush()
                except OSError:
                    pass
            elif path in ("/huge", "/huge-declared"):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                if path == "/huge-declared":
                    self.send_header("Content-Length", str(HUGE))
                self.end_headers()
                chunk = b"<p>" + b"x" * (64 * 1024 - 3)
                try:
                    while server.sent[path] < HUGE:  # a generator of 1 GB, cut off by the client
                        self.wfile.write(chunk)
                        server.sent[path] += len(chunk)
                except OSError:
                    pass
            elif path == "/flaky":  # 503 with Retry-After: 1 the first time, then the page
                if server.hits[path] == 1:
                    self.send(503, b"busy", headers={"Retry-After": "1"})
                else:
                    self.send(200, article_html("Beim zweiten Mal").encode())
            elif path == "/flaky-date":  # Retry-After as an HTTP date (in the past: retry at once)
                if server.hits[path] == 1:
                    self.send(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
                else:
                    self.send(200, article_html("Datum").encode())
            elif path == "/later":  # a wait the limits allow, but longer than what is left of the deadline
                self.send(503, headers={"Retry-After": "10"})
            elif path == "/busy":
                self.send(429, headers={"Retry-After": "3600"})
            elif path == "/broken":
                self.send(500, b"oops")
            else:
                self.send(404, b"<p>nicht gefunden</p>")

    return Handler


def serve() -> tuple[WebServer, http.server.HTTPServer]:
    """Start the server in a thread; the caller shuts it down (`shutdown()`, `server_close()`)."""
    class QuietServer(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address) -> None:  # a client that hung up on purpose
            pass

    state = WebServer("")
    httpd = QuietServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return state, httpd


def write_warc(path: Path, records: list[tuple], *, compress: bool | None = None) -> Path:
    """A WARC file of `records`: ("response", uri, html or bytes[, content type[, status]]), ("request", uri),
    ("warcinfo",), ("metadata", uri), ("revisit", uri), ("raw-response", uri, http_head, body) for a response
    whose HTTP head (status line and headers) is given as it is."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=path.name.endswith(".gz") if compress is None else compress)
    for kind, *args in records:
        if kind == "response":
            uri, body, *rest = args
            ctype = rest[0] if rest else "text/html; charset=utf-8"
            status = rest[1] if len(rest) > 1 else "200 OK"
            data = body.encode() if isinstance(body, str) else body
            http = StatusAndHeaders(status, [("Content-Type", ctype), ("Content-Length", str(len(data)))],
                                    protocol="HTTP/1.1")
            record = writer.create_warc_record(uri, "response", payload=io.BytesIO(data), http_headers=http)
        elif kind == "raw-response":
            uri, head, body = args
            record = writer.create_warc_record(uri, "response", payload=io.BytesIO(head + b"\r\n\r\n" + body),
                                               warc_content_type="application/http; msgtype=response")
        elif kind == "request":
            http = StatusAndHeaders(f"GET {args[0]} HTTP/1.1", [("Host", "example.de")], is_http_request=True)
            record = writer.create_warc_record(args[0], "request", payload=io.BytesIO(b""), http_headers=http)
        elif kind == "warcinfo":
            record = writer.create_warcinfo_record("crawl.warc", {"software": "test"})
        elif kind == "revisit":  # the HTTP head of a response seen before, no body
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
            record = writer.create_warc_record(args[0], "revisit", payload=io.BytesIO(head),
                                               warc_content_type="application/http; msgtype=response")
        else:
            record = writer.create_warc_record(args[0], kind, payload=io.BytesIO(b"x: y\r\n"),
                                               warc_content_type="application/warc-fields")
        writer.write_record(record)
    path.write_bytes(buffer.getvalue())
    return path


def write_many_warc(path: Path, count: int, page: str) -> Path:
    """A `.warc.gz` of `count` HTML responses of the same page at https://example.de/000000, /000001...: one
    record made by warcio, copied with its URI changed (the same length), each copy its own gzip member."""
    template = write_warc(path, [("response", "https://example.de/000000", page)], compress=False).read_bytes()
    with open(path, "wb") as f:
        f.writelines(gzip.compress(template.replace(b"/000000", b"/%06d" % n, 1), compresslevel=1)
                     for n in range(count))
    return path


def record_starts(path: Path) -> list[int]:
    """The byte at which each record of a WARC file starts, as warcio finds them."""
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as f:
        records = ArchiveIterator(f)
        return [records.offset for _ in records]
