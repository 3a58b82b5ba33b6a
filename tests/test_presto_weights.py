# SPDX-License-Identifier: GPL-2.0-or-later
"""Fetching the Presto weights (core.app.presto_weights) from a local HTTP server that serves the shared copy:
the right file arrives whole and loads; a wrong, short, missing, slow or cancelled one leaves nothing behind."""
from __future__ import annotations

import os

import pytest
from weights_server import HAVE_WEIGHTS, SHARED_WEIGHTS, SKIP_REASON, weights_server

from spatiotemporal_ssl.core import cli
from spatiotemporal_ssl.core.app.presto_weights import (EXPECTED_BYTES, EXPECTED_SHA256, LICENSE_FILE_NAME,
                                                        DownloadCancelled, check_weights, download_weights,
                                                        resolve_pretrained)
from spatiotemporal_ssl.core.errors import InputError
from spatiotemporal_ssl.core.models.presto import (PRESTO_FILE_NAME, PRESTO_SHA256, WEIGHTS_ENV, PrestoEncoder,
                                                   load_presto_state, sha256_of)
from spatiotemporal_ssl.core.params import TrainOptions

pytestmark = pytest.mark.skipif(not HAVE_WEIGHTS, reason=SKIP_REASON)


@pytest.fixture
def server():
    with weights_server() as running:
        yield running


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv(WEIGHTS_ENV, raising=False)


def _left(folder) -> list:
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_the_shared_copy_is_the_published_file():
    assert EXPECTED_SHA256 == PRESTO_SHA256 and os.path.getsize(SHARED_WEIGHTS) == EXPECTED_BYTES
    assert sha256_of(SHARED_WEIGHTS) == EXPECTED_SHA256


def test_download_gives_the_published_file_that_loads(server, tmp_path):
    seen = []
    dest = download_weights(tmp_path / "new" / "presto", url=server.url(), progress=lambda d, t: seen.append((d, t)))
    assert dest == tmp_path / "new" / "presto" / PRESTO_FILE_NAME
    assert sha256_of(dest) == EXPECTED_SHA256
    assert _left(dest.parent) == [LICENSE_FILE_NAME, PRESTO_FILE_NAME]  # no temporary file left
    notice = (dest.parent / LICENSE_FILE_NAME).read_text(encoding="utf-8")
    assert "MIT License" in notice and "Copyright (c) 2024 Presto Authors" in notice and server.url() in notice
    assert seen[-1] == (EXPECTED_BYTES, EXPECTED_BYTES) and len(seen) > 1
    encoder = PrestoEncoder.from_state(load_presto_state(dest))
    assert sum(p.numel() for p in encoder.parameters()) > 100_000
    assert server.requests == ["/default_model.pt"]
    # The engine finds it where the plugin says to look.
    assert resolve_pretrained(TrainOptions(backbone="presto"), [dest.parent]).pretrained == str(dest)


def test_a_right_file_already_there_is_reused_without_a_request(server, tmp_path):
    (tmp_path / PRESTO_FILE_NAME).write_bytes(server.payload)
    assert download_weights(tmp_path, url=server.url()) == tmp_path / PRESTO_FILE_NAME
    assert server.requests == []
    assert (tmp_path / LICENSE_FILE_NAME).is_file()


def test_a_different_file_already_there_is_never_replaced(server, tmp_path):
    (tmp_path / PRESTO_FILE_NAME).write_bytes(b"my own weights")
    with pytest.raises(InputError, match=f"{tmp_path}.*exists and is not the published.*left as it is"):
        download_weights(tmp_path, url=server.url())
    assert (tmp_path / PRESTO_FILE_NAME).read_bytes() == b"my own weights" and server.requests == []


def test_a_corrupted_copy_is_refused_and_nothing_is_left(server, tmp_path):
    with pytest.raises(InputError, match=r"corrupt\.pt has sha256 .* not the published .*download it by hand from "
                                         r"https://github.com/nasaharvest/presto/raw/.*--pretrained"):
        download_weights(tmp_path, url=server.url("/corrupt.pt"))
    assert _left(tmp_path) == []


def test_http_404_names_the_url(server, tmp_path):
    url = server.url("/nope.pt")
    with pytest.raises(InputError, match=f"{url} failed: the server answered HTTP 404.*by hand"):
        download_weights(tmp_path, url=url)
    assert _left(tmp_path) == []


def test_a_cut_connection_and_a_silent_server_leave_nothing(server, tmp_path):
    with pytest.raises(InputError, match="short.pt failed: .*(ended after|broke)"):
        download_weights(tmp_path, url=server.url("/short.pt"))
    assert _left(tmp_path) == []
    with pytest.raises(InputError, match=r"hang.pt failed: no answer within 0.3 s"):
        download_weights(tmp_path, url=server.url("/hang.pt"), timeout=0.3)
    assert _left(tmp_path) == []


def test_no_server_and_no_http_url(tmp_path):
    with weights_server() as stopped:
        url = stopped.url()
    with pytest.raises(InputError, match=f"{url} failed: cannot connect"):
        download_weights(tmp_path, url=url, timeout=2)
    with pytest.raises(InputError, match="not an http"):
        download_weights(tmp_path, url=f"file://{SHARED_WEIGHTS}")
    assert _left(tmp_path) == []


def test_cancel_mid_way_leaves_nothing(server, tmp_path):
    seen = []
    with pytest.raises(DownloadCancelled, match="cancelled; nothing was saved"):
        download_weights(tmp_path, url=server.url(), progress=lambda d, t: seen.append(d),
                         should_stop=lambda: bool(seen))
    assert len(seen) == 1 and seen[0] < EXPECTED_BYTES
    assert _left(tmp_path) == []


def test_a_full_disk_leaves_nothing(server, tmp_path):
    from faultkit import tiny_filesystem

    with tiny_filesystem(str(tmp_path / "disk"), "1M") as disk:
        if disk is None:
            pytest.skip("a 1 MB tmpfs cannot be mounted here (needs root)")
        with pytest.raises(InputError, match=f"Presto weights.*{disk}.*disk is full"):
            download_weights(disk, url=server.url())
        assert _left(disk) == []


def test_check_weights_reports_where_and_whether_published(tmp_path, monkeypatch):
    missing = check_weights(None, [tmp_path])
    assert missing.path is None and str(tmp_path) in missing.problem and not missing.published
    found = check_weights(SHARED_WEIGHTS)
    assert found.path is not None and found.source == "path" and found.published and found.problem == ""
    (tmp_path / PRESTO_FILE_NAME).write_bytes(b"other")
    other = check_weights(None, [tmp_path])
    assert other.source == "folder" and not other.published
    monkeypatch.setenv(WEIGHTS_ENV, SHARED_WEIGHTS)
    assert check_weights(None, [tmp_path]).source == "environment"


def test_resolve_pretrained_fails_early_and_leaves_other_backbones(tmp_path):
    with pytest.raises(InputError, match=f"not found.*{tmp_path}"):
        resolve_pretrained(TrainOptions(backbone="presto"), [tmp_path])
    assert resolve_pretrained(TrainOptions(backbone="cnn"), [tmp_path]).pretrained is None
    chosen = TrainOptions(backbone="presto", pretrained="/my/file.pt")
    assert resolve_pretrained(chosen, [tmp_path]) is chosen


def test_cli_downloads_then_reports(server, tmp_path, capsys):
    assert cli.main(["presto-weights", "--to", str(tmp_path)]) == 2
    assert "not found" in capsys.readouterr().err
    assert cli.main(["presto-weights", "--download", "--to", str(tmp_path), "--url", server.url()]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / PRESTO_FILE_NAME) in out and "--pretrained" in out
    assert cli.main(["presto-weights", "--to", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / PRESTO_FILE_NAME) in out and "published" in out and EXPECTED_SHA256 in out
    assert cli.main(["presto-weights", "--download", "--url", server.url()]) == 2
    assert "--to" in capsys.readouterr().err
    assert server.requests == ["/default_model.pt"]
    other = tmp_path / "other.pt"
    other.write_bytes(b"x")
    assert cli.main(["presto-weights", "--pretrained", str(other)]) == 1
    assert "not the published" in capsys.readouterr().out

