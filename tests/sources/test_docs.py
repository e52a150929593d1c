"""golive_lib.sources.docs: Markdown parsing, relative link resolution, external link checks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from golive_lib.errors import SourceError
from golive_lib.sources.docs import (
    Link,
    LinkKind,
    MarkdownDoc,
    body_lines,
    check_url,
    check_urls,
    find_heading,
    link_kind,
    normalise_url,
    parse_markdown,
    parse_markdown_text,
    resolve_links,
    slugify_heading,
    split_target,
    unique_slugs,
)


def parse(text: str, path: Path = Path("/repo/docs/a.md")) -> MarkdownDoc:
    return parse_markdown_text(text, path)


def targets(doc: MarkdownDoc) -> list[tuple[str, int]]:
    return [(lk.target, lk.line) for lk in doc.links]


# --------------------------------------------------------------------------- headings


def test_atx_headings_carry_level_text_and_line() -> None:
    doc = parse("# Title #\n\ntext\n\n### C# notes\n#not a heading\n####### seven\n")
    assert [(h.level, h.text, h.line) for h in doc.headings] == [
        (1, "Title", 1),
        (3, "C# notes", 5),
    ]


def test_setext_headings_are_found_at_their_text_line() -> None:
    doc = parse("Intro\n=====\n\nSome text\n\nDetails\n---\n\n- item\n---\n")
    assert [(h.level, h.text, h.line) for h in doc.headings] == [(1, "Intro", 1), (2, "Details", 6)]


def test_a_rule_after_a_setext_heading_is_not_another_heading() -> None:
    doc = parse("Title\n=====\n---\n")
    assert [h.text for h in doc.headings] == ["Title"]


def test_front_matter_is_not_a_heading() -> None:
    doc = parse("---\ntitle: x\n---\n# Real\n")
    assert [(h.text, h.line) for h in doc.headings] == [("Real", 4)]


def test_find_heading_matches_case_insensitively() -> None:
    doc = parse("# Intro\n## Release process\n")
    heading = find_heading(doc, [r"release"])
    assert heading is not None and heading.line == 2
    assert find_heading(doc, [r"rollback"]) is None


def test_section_text_stops_at_the_next_heading_of_the_same_level() -> None:
    doc = parse("# A\none\n## A.1\ntwo\n# B\nthree\n")
    assert doc.section_text(doc.headings[0]) == "one\n## A.1\ntwo"


# --------------------------------------------------------------------------- links


def test_links_inside_code_fences_and_inline_code_are_ignored() -> None:
    doc = parse(
        "[real](a.md)\n"
        "```bash\n[fenced](b.md)\n# not a heading\n```\n"
        "~~~\n[tilde](c.md)\n~~~\n"
        "`[inline](d.md)` and ``[double `tick`](e.md)``\n"
    )
    assert targets(doc) == [("a.md", 1)]
    assert doc.headings == ()
    assert [(b.lang, b.line) for b in doc.code_blocks] == [("bash", 2), ("", 6)]


def test_escaped_brackets_indented_code_and_html_comments_hold_no_links() -> None:
    doc = parse_markdown_text(
        "# Doc\n\n\\[not a link\\](nope.md)\n\n    [indented code](nope2.md)\n\n"
        "<!-- [commented](nope3.md) -->\n\nA [real](yes.md) one, in a list:\n\n"
        "- item with [another](yes2.md)\n",
        Path("doc.md"),
    )
    assert [(lk.target, lk.line) for lk in doc.links] == [("yes.md", 9), ("yes2.md", 11)]
    assert [b.line for b in doc.code_blocks] == [5]


def test_an_unterminated_fence_hides_the_rest_of_the_document() -> None:
    doc = parse("```mermaid\ngraph TD\n[x](y.md)\n")
    assert doc.links == ()
    assert doc.code_blocks[0].text == "graph TD\n[x](y.md)"


def test_reference_links_full_collapsed_and_shortcut_use_the_line_of_use() -> None:
    doc = parse(
        "See [the worker][w], [Store][] and [Queue].\n"
        "An [undefined][nope] reference and a [ ] checkbox.\n"
        "\n"
        "[w]: services/worker.md\n"
        '[store]: <docs/event store.md> "title"\n'
        "[QUEUE]: docs/queue.md\n"
    )
    assert sorted(targets(doc)) == [
        ("docs/event store.md", 1),
        ("docs/queue.md", 1),
        ("services/worker.md", 1),
    ]


def test_images_nested_in_links_parens_in_urls_and_html_are_links() -> None:
    doc = parse(
        "[![build](img/badge.svg)](https://ci.example.com)\n"
        "[wiki](https://en.wikipedia.org/wiki/Queue_(abstract_data_type))\n"
        '<img src="img/a.png"> <a href="b.md">b</a>\n'
        "see https://example.com/x. and <https://auto.example.com>\n"
    )
    assert sorted((lk.target, lk.image) for lk in doc.links) == [
        ("b.md", False),
        ("https://auto.example.com", False),
        ("https://ci.example.com", False),
        ("https://en.wikipedia.org/wiki/Queue_(abstract_data_type)", False),
        ("https://example.com/x", False),
        ("img/a.png", True),
        ("img/badge.svg", True),
    ]


def test_links_in_html_comments_are_ignored() -> None:
    doc = parse("<!-- [one](a.md) -->\n<!--\n[two](b.md)\n-->\n[three](c.md) <!-- [x](d.md) -->\n")
    assert targets(doc) == [("c.md", 5)]


# --------------------------------------------------------------------------- anchors


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("API v2.0 (beta)", "api-v20-beta"),
        ("`code` and *emphasis*", "code-and-emphasis"),
        ("_emphasis_ with snake_case", "emphasis-with-snake_case"),
        ("[Linked](x.md) heading", "linked-heading"),
        ("Über Straße", "über-straße"),
        ("Two  spaces", "two--spaces"),
        ("What's new?", "whats-new"),
    ],
)
def test_slugs_follow_githubs_rules(heading: str, slug: str) -> None:
    assert slugify_heading(heading) == slug


def test_repeated_headings_get_numbered_anchors_like_github() -> None:
    assert unique_slugs(["Setup", "Setup", "Setup", "Setup 1"]) == [
        "setup",
        "setup-1",
        "setup-2",
        "setup-1-1",
    ]
    doc = parse('# Setup\n## Setup\n<a id="custom-anchor"></a>\n')
    assert doc.anchors == {"setup", "setup-1", "custom-anchor"}


# --------------------------------------------------------------------------- resolution


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "docs" / "img").mkdir(parents=True)
    (root / "services" / "worker").mkdir(parents=True)
    (root / "services" / "worker" / "README.md").write_text("# Worker\n## Queue\n## Queue\n")
    (root / "docs" / "img" / "flow diagram.svg").write_text("<svg/>")
    (root / "src").mkdir()
    (root / "src" / "main.py").write_text("print()\n")
    (tmp_path / "secret.md").write_text("# outside\n")
    return root


def resolve(repo: Path, body: str) -> dict[str, str]:
    """Map each relative link of docs/architecture.md to "" (ok) or its reason."""
    path = repo / "docs" / "architecture.md"
    path.write_text(body, encoding="utf-8")
    return {r.link.target: r.reason for r in resolve_links(parse_markdown(path), repo)}


def test_relative_links_that_resolve(repo: Path) -> None:
    reasons = resolve(
        repo,
        "# Overview\n"
        "[worker](../services/worker/README.md)\n"
        "[queue](../services/worker/README.md#QUEUE)\n"
        "[second queue](../services/worker/README.md#queue-1)\n"
        "[root](/services/worker/README.md)\n"
        "[folder](../services/worker/)\n"
        "[line](../src/main.py#L1)\n"
        "![flow](img/flow%20diagram.svg?raw=true)\n"
        "[self](#overview)\n"
        "[top](#)\n",
    )
    assert reasons == dict.fromkeys(reasons, "")
    assert len(reasons) == 9


def test_broken_relative_links_are_reported_with_their_line(repo: Path) -> None:
    path = repo / "docs" / "architecture.md"
    path.write_text(
        "# Overview\n\n[gone](missing.md)\n[anchor](../services/worker/README.md#nope)\n"
        "[self](#nothing)\n[escape](../../secret.md)\n[abs escape](/../secret.md)\n[empty]()\n",
        encoding="utf-8",
    )
    broken = [
        (r.link.line, r.reason) for r in resolve_links(parse_markdown(path), repo) if not r.ok
    ]
    assert broken == [
        (3, "no such file: docs/missing.md"),
        (4, "no heading #nope in services/worker/README.md"),
        (5, "no heading #nothing in this document"),
        (6, "points outside the repository"),
        (7, "points outside the repository"),
        (8, "empty link target"),
    ]


def test_a_symlink_leading_out_of_the_repository_counts_as_outside(repo: Path) -> None:
    (repo / "docs" / "linked.md").symlink_to(repo.parent / "secret.md")
    assert resolve(repo, "[l](linked.md)\n") == {"linked.md": "points outside the repository"}


def test_external_and_mail_links_are_not_resolved_as_files(repo: Path) -> None:
    assert resolve(repo, "[a](https://example.com) [m](mailto:a@example.com)\n") == {}


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("docs/a.md", LinkKind.RELATIVE),
        ("#anchor", LinkKind.ANCHOR),
        ("https://example.com", LinkKind.EXTERNAL),
        ("//cdn.example.com/x.png", LinkKind.EXTERNAL),
        ("mailto:team@example.com", LinkKind.OTHER),
    ],
)
def test_link_kinds(target: str, kind: LinkKind) -> None:
    assert link_kind(target) is kind


def test_split_target_decodes_and_drops_the_query() -> None:
    assert split_target("docs/My%20Doc.md?plain=1#Set%20up") == ("docs/My Doc.md", "Set up")


def test_normalised_urls_ignore_case_of_host_fragment_port_and_trailing_slash() -> None:
    assert normalise_url("HTTPS://Grafana.Example.com:443/d/x/#panel") == normalise_url(
        "https://grafana.example.com/d/x"
    )
    assert normalise_url("http://h:8080/a?b=1") == "http://h:8080/a?b=1"


def test_body_lines_count_content_not_headings_or_comments() -> None:
    assert body_lines(parse("# Title\n\nSub\n---\n<!-- todo -->\n")) == 0
    assert body_lines(parse("# Title\n\nOne line.\n")) == 1


def test_unreadable_markdown_raises_a_source_error_naming_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes("# Caf\xe9\n".encode("latin-1"))
    with pytest.raises(SourceError, match="not UTF-8"):
        parse_markdown(path)


# --------------------------------------------------------------------------- external links

SLOW_S = 3.0
TIMEOUT_S = 0.5


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_GET(self) -> None:
        self._answer("GET")

    def _answer(self, method: str) -> None:
        self.server.seen.append((method, self.path))
        if self.path.startswith("/slow"):
            self.server.stop.wait(SLOW_S)
            code = 200
        elif self.path == "/ok":
            code = 200
        elif self.path == "/no-head":
            code = 405 if method == "HEAD" else 200
        elif self.path == "/redirect":
            self.send_response(301)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            code = 404
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if method == "GET":
            self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str]] = []
        self.stop = threading.Event()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(srv.server_address[:2], timeout=5):
            pass  # ready: it accepts connections
        yield srv
    finally:
        srv.stop.set()
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def url(srv: _Server, path: str) -> str:
    host, port = srv.server_address[:2]
    return f"http://{host!s}:{port}{path}"


def test_a_page_that_answers_200_is_ok_with_head_alone(server: _Server) -> None:
    result = check_url(url(server, "/ok"), TIMEOUT_S)
    assert (result.ok, result.status, result.method, result.reason) == (True, 200, "HEAD", "")
    assert server.seen == [("HEAD", "/ok")]


def test_a_404_is_broken_with_its_status_after_a_get_retry(server: _Server) -> None:
    result = check_url(url(server, "/missing"), TIMEOUT_S)
    assert (result.ok, result.status, result.method) == (False, 404, "GET")
    assert result.reason.startswith("HTTP 404")


def test_a_server_refusing_head_is_asked_with_get(server: _Server) -> None:
    result = check_url(url(server, "/no-head"), TIMEOUT_S)
    assert (result.ok, result.status, result.method) == (True, 200, "GET")
    assert server.seen == [("HEAD", "/no-head"), ("GET", "/no-head")]


def test_redirects_are_followed_keeping_head(server: _Server) -> None:
    result = check_url(url(server, "/redirect"), TIMEOUT_S)
    assert (result.ok, result.status) == (True, 200)
    assert server.seen == [("HEAD", "/redirect"), ("HEAD", "/ok")]


def test_a_slow_page_times_out_within_the_timeout(server: _Server) -> None:
    started = time.monotonic()
    result = check_url(url(server, "/slow"), TIMEOUT_S)
    elapsed = time.monotonic() - started
    assert (result.ok, result.status) == (False, None)
    assert result.reason == f"timed out after {TIMEOUT_S:g}s"
    assert elapsed < TIMEOUT_S + 0.5 < SLOW_S


def test_a_closed_port_and_a_bad_scheme_are_reasons_not_exceptions() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    refused = check_url(f"http://127.0.0.1:{port}/", TIMEOUT_S)
    assert (refused.ok, refused.reason) == (False, "connection refused")
    assert check_url("ftp://example.com/x", TIMEOUT_S).reason.startswith("not an http(s) URL")
    assert check_url("http://", TIMEOUT_S).ok is False


def test_check_urls_answers_each_distinct_url_once(server: _Server) -> None:
    ok, missing = url(server, "/ok"), url(server, "/missing")
    results = check_urls([ok, missing, ok], TIMEOUT_S)
    assert list(results) == [ok, missing]
    assert [r.ok for r in results.values()] == [True, False]
    assert server.seen.count(("HEAD", "/ok")) == 1


def test_check_urls_runs_concurrently_up_to_max_workers(server: _Server) -> None:
    slow = [url(server, f"/slow/{i}") for i in range(4)]
    started = time.monotonic()
    results = check_urls(slow, TIMEOUT_S, max_workers=4)
    parallel = time.monotonic() - started
    assert all(r.reason.startswith("timed out") for r in results.values())
    assert parallel < 2 * TIMEOUT_S

    started = time.monotonic()
    check_urls(slow[:2], TIMEOUT_S, max_workers=1)
    assert time.monotonic() - started >= 2 * TIMEOUT_S


def test_link_is_hashable_and_external_detection_matches_kind() -> None:
    assert Link("a", "https://x", 1).external
    assert not Link("a", "docs/x.md", 1).external
    assert len({Link("a", "b", 1), Link("a", "b", 1)}) == 1
