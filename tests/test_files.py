"""Tests for vaultkit.files: scanning a vault folder and reading one file as text."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultkit.errors import UnreadableFileError, VaultNotFoundError
from vaultkit.files import (
    DecodedText,
    FileEntry,
    is_ignored,
    load_ignore_filters,
    nfc,
    read_text,
    scan_vault,
)
from vaultkit.model import FileError


def write(root: Path, rel: str, content: str | bytes = "x") -> Path:
    """Create a file (and its folders) below *root*."""
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    return target


def paths(root: Path, **kwargs: Any) -> list[str]:
    return [entry.path for entry in scan_vault(root, **kwargs)]


def symlink_or_skip(link: Path, target: Path, *, target_is_directory: bool = False) -> None:
    try:
        link.symlink_to(target, target_is_directory=target_is_directory)
    except (OSError, NotImplementedError) as exc:  # e.g. Windows without the privilege
        pytest.skip(f"symlinks not available: {exc}")


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    root.mkdir()
    return root


# --------------------------------------------------------------------------- scan_vault


def test_hidden_entries_are_skipped(vault: Path) -> None:
    write(vault, "note.md")
    write(vault, ".obsidian/workspace.json", "{}")
    write(vault, ".trash/old.md")
    write(vault, ".git/HEAD", "ref")
    write(vault, ".hidden/secret.md")
    write(vault, "folder/.hidden.md")
    write(vault, "folder/visible.md")
    assert paths(vault) == ["folder/visible.md", "note.md"]


def test_entries_carry_metadata(vault: Path) -> None:
    target = write(vault, "a/b.md", "hello")
    (entry,) = scan_vault(vault)
    assert isinstance(entry, FileEntry)
    assert entry.path == "a/b.md"
    assert os.path.samefile(entry.abspath, target)
    assert entry.size == 5
    assert entry.mtime_ns == target.stat().st_mtime_ns
    assert entry.is_note


def test_notes_and_attachments(vault: Path) -> None:
    write(vault, "lower.md")
    write(vault, "UPPER.MD")
    write(vault, "Mixed.Md")
    write(vault, "image.png", b"\x89PNG")
    write(vault, "doc.pdf", b"%PDF")
    write(vault, "canvas.canvas", "{}")
    write(vault, "md")
    kinds = {entry.path: entry.is_note for entry in scan_vault(vault)}
    assert kinds == {
        "lower.md": True,
        "UPPER.MD": True,
        "Mixed.Md": True,
        "image.png": False,
        "doc.pdf": False,
        "canvas.canvas": False,
        "md": False,
    }


def test_deterministic_sorted_order(vault: Path) -> None:
    for rel in ["b.md", "a.md", "c/z.md", "c/a.md", "B/x.md", "a/y.md", "10.md", "2.md"]:
        write(vault, rel)
    first = paths(vault)
    assert first == paths(vault)
    assert first == ["10.md", "2.md", "B/x.md", "a/y.md", "a.md", "b.md", "c/a.md", "c/z.md"]


def test_empty_vault(vault: Path) -> None:
    assert paths(vault) == []


def test_missing_vault_raises(tmp_path: Path) -> None:
    with pytest.raises(VaultNotFoundError):
        scan_vault(tmp_path / "nope")
    write(tmp_path, "file.md")
    with pytest.raises(VaultNotFoundError):
        scan_vault(tmp_path / "file.md")


def test_nfd_filename_reported_as_nfc(vault: Path) -> None:
    nfd_name = unicodedata.normalize("NFD", "연구 일지.md")
    nfd_folder = unicodedata.normalize("NFD", "한글")
    assert nfd_name != "연구 일지.md"
    write(vault, nfd_name, "내용")
    write(vault, f"{nfd_folder}/{nfd_name}", "내용")
    entries = sorted(scan_vault(vault), key=lambda e: e.path)
    assert [e.path for e in entries] == ["연구 일지.md", "한글/연구 일지.md"]
    for entry in entries:
        assert unicodedata.is_normalized("NFC", entry.path)
        assert os.path.exists(entry.abspath)  # the on-disk spelling still opens the file
        assert read_text(entry.abspath).text == "내용"


def test_names_differing_only_in_normalisation(vault: Path) -> None:
    composed = "é.md"
    decomposed = unicodedata.normalize("NFD", composed)
    write(vault, composed, "one")
    try:
        write(vault, decomposed, "two")
    except OSError:
        pytest.skip("filesystem cannot hold both spellings")
    if len(os.listdir(vault)) != 2:
        pytest.skip("filesystem normalises names")
    errors: list[FileError] = []
    assert paths(vault, errors=errors) == ["é.md"]
    assert [e.path for e in errors] == ["é.md"]
    assert "Unicode" in errors[0].error


# --------------------------------------------------------------------------- ignore filters


def write_app_json(vault: Path, content: str) -> None:
    write(vault, ".obsidian/app.json", content)


def test_load_ignore_filters(vault: Path) -> None:
    assert load_ignore_filters(vault) == ()
    write_app_json(vault, json.dumps({"userIgnoreFilters": ["templates/", "a/b.md", "/regex/", 3, ""]}))
    assert load_ignore_filters(vault) == ("templates/", "a/b.md", "/regex/")
    assert load_ignore_filters(str(vault)) == ("templates/", "a/b.md", "/regex/")


@pytest.mark.parametrize(
    "content",
    ["{not json", "", "[1, 2]", '{"userIgnoreFilters": "templates/"}', '{"other": 1}', "\xff"],
)
def test_malformed_app_json_is_ignored(vault: Path, content: str) -> None:
    write_app_json(vault, content)
    write(vault, "templates/t.md")
    assert load_ignore_filters(vault) == ()
    assert paths(vault) == ["templates/t.md"]


def test_app_json_unreadable_bytes(vault: Path) -> None:
    write(vault, ".obsidian/app.json", b"\xff\xfe\x00garbage")
    assert load_ignore_filters(vault) == ()


def test_app_json_is_a_folder(vault: Path) -> None:
    (vault / ".obsidian" / "app.json").mkdir(parents=True)
    assert load_ignore_filters(vault) == ()


def test_ignore_filters_from_app_json(vault: Path) -> None:
    write_app_json(
        vault,
        json.dumps({"userIgnoreFilters": ["templates/", "archive", "a/b.md", "/\\.tmp$/"]}),
    )
    for rel in [
        "templates/t.md",
        "templates/sub/deep.md",
        "templates-old/kept.md",
        "archive/x.md",
        "archive.md",
        "a/b.md",
        "a/c.md",
        "a/b.md.bak",
        "scratch.tmp",
        "dir/also.tmp",
        "note.md",
    ]:
        write(vault, rel)
    assert paths(vault) == ["a/b.md.bak", "a/c.md", "archive.md", "note.md", "templates-old/kept.md"]


def test_explicit_filters_override_app_json(vault: Path) -> None:
    write_app_json(vault, json.dumps({"userIgnoreFilters": ["a/"]}))
    write(vault, "a/x.md")
    write(vault, "b/y.md")
    assert paths(vault, ignore_filters=["b/"]) == ["a/x.md"]
    assert paths(vault, ignore_filters=[]) == ["a/x.md", "b/y.md"]


@pytest.mark.parametrize(
    ("path", "filters", "expected"),
    [
        ("templates/t.md", ["templates/"], True),
        ("templates/t.md", ["templates"], True),
        ("templates", ["templates/"], True),
        ("templates-old/t.md", ["templates/"], False),
        ("templates-old/t.md", ["templates"], False),
        ("Templates/t.md", ["templates/"], False),  # case-sensitive
        ("a/b.md", ["a/b.md"], True),
        ("a/b.mdx", ["a/b.md"], False),
        ("x/a/b.md", ["a/b.md"], False),
        ("a/b/c.md", ["a/b"], True),
        ("note.md", [], False),
        ("note.md", [""], False),
        ("note.md", ["/"], False),
        ("draft-1.md", ["/^draft-\\d+/"], True),
        ("x/draft-1.md", ["/^draft-\\d+/"], False),
        ("x/draft-1.md", ["/draft-\\d+/"], True),  # re.search, not match
        ("Draft-1.md", ["/^draft/"], False),
        ("note.md", ["/[unclosed/"], False),  # an invalid regex matches nothing
        ("연구/노트.md", ["연구/"], True),
        ("연구/노트.md", [unicodedata.normalize("NFD", "연구/")], True),
        (unicodedata.normalize("NFD", "연구/노트.md"), ["연구"], True),
        ("note.md", ["other/", "/\\.md$/"], True),
    ],
)
def test_is_ignored(path: str, filters: list[str], expected: bool) -> None:
    assert is_ignored(path, filters) is expected


def test_regex_filter_prunes_folders(vault: Path) -> None:
    write(vault, "drafts/a.md")
    write(vault, "drafts/b.png")
    write(vault, "keep/drafts.md")
    assert paths(vault, ignore_filters=["/^drafts$/"]) == ["keep/drafts.md"]
    assert paths(vault, ignore_filters=["/\\.png$/"]) == ["drafts/a.md", "keep/drafts.md"]


# --------------------------------------------------------------------------- symlinks


def test_symlink_to_file_outside_vault_skipped(tmp_path: Path, vault: Path) -> None:
    outside = write(tmp_path, "outside/secret.md", "secret")
    write(vault, "note.md")
    symlink_or_skip(vault / "link.md", outside)
    errors: list[FileError] = []
    assert paths(vault, errors=errors) == ["note.md"]
    assert errors == []


def test_symlink_to_dir_outside_vault_skipped(tmp_path: Path, vault: Path) -> None:
    write(tmp_path, "outside/secret.md", "secret")
    write(vault, "note.md")
    symlink_or_skip(vault / "linked", tmp_path / "outside", target_is_directory=True)
    assert paths(vault) == ["note.md"]


def test_relative_symlink_escaping_vault_skipped(tmp_path: Path, vault: Path) -> None:
    write(tmp_path, "outside/secret.md", "secret")
    write(vault, "sub/note.md")
    symlink_or_skip(vault / "sub" / "up", Path("../../outside"), target_is_directory=True)
    assert paths(vault) == ["sub/note.md"]


def test_symlink_dir_cycle_does_not_loop(vault: Path) -> None:
    write(vault, "a/note.md")
    write(vault, "a/b/deep.md")
    symlink_or_skip(vault / "a" / "b" / "back", vault / "a", target_is_directory=True)
    symlink_or_skip(vault / "a" / "self", Path("."), target_is_directory=True)
    symlink_or_skip(vault / "root", vault, target_is_directory=True)
    found = paths(vault)
    assert found == ["a/b/deep.md", "a/note.md"]


def test_symlink_file_inside_vault_included(vault: Path) -> None:
    real = write(vault, "real/note.md", "hello")
    symlink_or_skip(vault / "alias.md", real)
    entries = {entry.path: entry for entry in scan_vault(vault)}
    assert sorted(entries) == ["alias.md", "real/note.md"]
    alias = entries["alias.md"]
    assert alias.is_note
    assert alias.size == 5
    assert read_text(alias.abspath).text == "hello"


def test_symlink_dir_inside_vault_to_walked_folder_not_duplicated(vault: Path) -> None:
    write(vault, "b/real.md")
    symlink_or_skip(vault / "a", vault / "b", target_is_directory=True)
    # "a" sorts before "b", yet the files are reported once, at their real path.
    assert paths(vault) == ["b/real.md"]


def test_symlink_dir_inside_vault_to_ignored_folder_followed(vault: Path) -> None:
    write(vault, "private/p.md")
    write(vault, "z.md")
    symlink_or_skip(vault / "shared", vault / "private", target_is_directory=True)
    # The real folder is excluded; the link is a different vault path, walked after the real tree.
    assert paths(vault, ignore_filters=["private/"]) == ["z.md", "shared/p.md"]


def test_symlinks_into_hidden_folders_skipped(vault: Path) -> None:
    write(vault, ".obsidian/snippets/s.md")
    write(vault, "note.md")
    symlink_or_skip(vault / "conf", vault / ".obsidian", target_is_directory=True)
    symlink_or_skip(vault / "s.md", vault / ".obsidian" / "snippets" / "s.md")
    assert paths(vault) == ["note.md"]


def test_broken_symlink_reported(vault: Path) -> None:
    write(vault, "note.md")
    symlink_or_skip(vault / "broken.md", vault / "missing.md")
    errors: list[FileError] = []
    assert paths(vault, errors=errors) == ["note.md"]
    assert [e.path for e in errors] == ["broken.md"]
    assert "broken" in errors[0].error


def test_vault_root_itself_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    write(real, "n.md")
    write(real, "sub/m.md")
    link = tmp_path / "link"
    symlink_or_skip(link, real, target_is_directory=True)
    symlink_or_skip(real / "alias.md", real / "n.md")
    assert paths(link) == ["alias.md", "n.md", "sub/m.md"]


# --------------------------------------------------------------------------- errors during the walk


def test_permission_denied_directory(vault: Path) -> None:
    write(vault, "ok.md")
    locked = vault / "locked"
    write(vault, "locked/secret.md")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running with privileges that ignore permissions (root)")
        errors: list[FileError] = []
        assert paths(vault, errors=errors) == ["ok.md"]
        assert len(errors) == 1
        assert errors[0].path == "locked"
        assert "permission denied" in errors[0].error
    finally:
        locked.chmod(0o755)


class _Listing:
    """A stand-in for the context manager os.scandir returns."""

    def __init__(self, entries: list[os.DirEntry[str]]) -> None:
        self._entries = entries

    def __enter__(self) -> list[os.DirEntry[str]]:
        return self._entries

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


def test_permission_denied_directory_simulated(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same as above but independent of the user running the tests (root ignores chmod)."""
    write(vault, "ok.md")
    write(vault, "locked/secret.md")
    real_scandir = os.scandir
    locked = str(vault / "locked")

    def fake_scandir(path: str) -> Any:
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", fake_scandir)
    errors: list[FileError] = []
    assert paths(vault, errors=errors) == ["ok.md"]
    assert errors == [FileError("locked", "permission denied: the folder could not be read")]


def test_entries_vanishing_during_walk(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(vault, "gone.md")
    write(vault, "gone-folder/x.md")
    write(vault, "stays.md")
    real_scandir = os.scandir
    root = str(vault)

    def fake_scandir(path: str) -> Any:
        with real_scandir(path) as listing:
            entries = list(listing)
        if os.fspath(path) == root:  # delete after listing, before the walk looks closer
            (vault / "gone.md").unlink()
            (vault / "gone-folder" / "x.md").unlink()
            (vault / "gone-folder").rmdir()
        return _Listing(entries)

    monkeypatch.setattr(os, "scandir", fake_scandir)
    errors: list[FileError] = []
    assert paths(vault, errors=errors) == ["stays.md"]
    reasons = {e.path: e.error for e in errors}
    assert set(reasons) == {"gone.md", "gone-folder"}
    assert all("disappeared" in reason for reason in reasons.values())


def test_errors_default_to_discarded(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(vault, "locked/secret.md")
    write(vault, "ok.md")
    real_scandir = os.scandir

    def fake_scandir(path: str) -> Any:
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", fake_scandir)
    assert paths(vault) == ["ok.md"]


def test_special_files_skipped(vault: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    write(vault, "note.md")
    os.mkfifo(vault / "pipe.md")
    assert paths(vault) == ["note.md"]
    with pytest.raises(UnreadableFileError, match="not a regular file"):
        read_text(vault / "pipe.md")  # must not block waiting for a writer


# --------------------------------------------------------------------------- read_text


def test_nfc_helper() -> None:
    decomposed = unicodedata.normalize("NFD", "연구 일지.md")
    assert nfc(decomposed) == "연구 일지.md"
    assert nfc("plain/ascii.md") == "plain/ascii.md"
    assert nfc("") == ""


def test_read_utf8(tmp_path: Path) -> None:
    target = write(tmp_path, "n.md", "# 제목\n본문 café\n")
    assert read_text(target) == DecodedText("# 제목\n본문 café\n", "utf-8")
    assert read_text(str(target)).encoding == "utf-8"


def test_read_empty_file(tmp_path: Path) -> None:
    assert read_text(write(tmp_path, "e.md", b"")) == DecodedText("", "utf-8")


def test_read_utf8_bom(tmp_path: Path) -> None:
    target = write(tmp_path, "bom.md", b"\xef\xbb\xbf# Title\r\nbody")
    assert read_text(target) == DecodedText("# Title\nbody", "utf-8-sig")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"a\r\nb\r\n", "a\nb\n"),
        (b"a\rb\r", "a\nb\n"),
        (b"a\r\nb\rc\nd", "a\nb\nc\nd"),
        (b"a\r\r\nb", "a\n\nb"),
        (b"\r\n\r\n", "\n\n"),
    ],
)
def test_line_endings(tmp_path: Path, raw: bytes, expected: str) -> None:
    assert read_text(write(tmp_path, "n.md", raw)).text == expected


def test_read_cp949(tmp_path: Path) -> None:
    text = "연구실에서는 실험을 했다"
    raw = text.encode("cp949")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    target = write(tmp_path, "kr.md", raw + b"\r\n")
    assert read_text(target) == DecodedText(text + "\n", "cp949")


def test_read_cp949_extended_syllable(tmp_path: Path) -> None:
    text = "똠방각하 뷁"  # syllables outside EUC-KR, only in CP949
    raw = text.encode("cp949")
    assert raw != text.encode("euc-kr")  # EUC-KR needs 8-byte jamo sequences for these
    assert read_text(write(tmp_path, "kr.md", raw)) == DecodedText(text, "cp949")


def test_read_euc_kr(tmp_path: Path) -> None:
    text = "한국어 메모\n둘째 줄"
    target = write(tmp_path, "euc.md", text.encode("euc-kr"))
    assert read_text(target) == DecodedText(text, "cp949")


def test_read_latin1(tmp_path: Path) -> None:
    target = write(tmp_path, "fr.md", "café\r\nnaïve résumé".encode("latin-1"))
    assert read_text(target) == DecodedText("café\nnaïve résumé", "latin-1")


def test_read_utf16_with_bom(tmp_path: Path) -> None:
    text = "# 노트\r\nWindows Notepad"
    target = write(tmp_path, "u16.md", text.encode("utf-16"))
    assert read_text(target) == DecodedText("# 노트\nWindows Notepad", "utf-16")


def test_nul_bytes_rejected(tmp_path: Path) -> None:
    target = write(tmp_path, "bin.md", b"hello\x00world")
    with pytest.raises(UnreadableFileError) as info:
        read_text(target, "vault/bin.md")
    assert info.value.path == "vault/bin.md"
    assert "binary" in info.value.reason
    assert "NUL" in info.value.reason


def test_png_rejected(tmp_path: Path) -> None:
    target = write(tmp_path, "image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(UnreadableFileError, match="binary"):
        read_text(target)


def test_control_heavy_bytes_rejected(tmp_path: Path) -> None:
    target = write(tmp_path, "junk.md", bytes([0x81, 0x01, 0x02, 0x03, 0x04, 0x05]) * 10)
    with pytest.raises(UnreadableFileError, match="binary"):
        read_text(target)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError) as info:
        read_text(tmp_path / "missing.md", "missing.md")
    assert info.value.path == "missing.md"
    assert "disappeared" in info.value.reason
    assert "not found" in info.value.reason
    assert str(info.value).startswith("missing.md: ")


def test_missing_file_default_path_label(tmp_path: Path) -> None:
    missing = tmp_path / unicodedata.normalize("NFD", "없는.md")
    with pytest.raises(UnreadableFileError) as info:
        read_text(missing)
    assert info.value.path == nfc(str(missing))


def test_parent_is_a_file(tmp_path: Path) -> None:
    parent = write(tmp_path, "file.md")
    with pytest.raises(UnreadableFileError):
        read_text(parent / "child.md")


def test_directory_path(tmp_path: Path) -> None:
    folder = tmp_path / "folder.md"
    folder.mkdir()
    with pytest.raises(UnreadableFileError) as info:
        read_text(folder, "folder.md")
    assert "folder" in info.value.reason


def test_invalid_path() -> None:
    with pytest.raises(UnreadableFileError):
        read_text("bad\x00name.md")


def test_permission_denied_file(tmp_path: Path) -> None:
    target = write(tmp_path, "locked.md", "secret")
    target.chmod(0)
    try:
        if os.access(target, os.R_OK):
            pytest.skip("running with privileges that ignore permissions (root)")
        with pytest.raises(UnreadableFileError, match="permission denied"):
            read_text(target)
    finally:
        target.chmod(0o644)


def test_permission_denied_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = write(tmp_path, "locked.md", "secret")

    def fake_open(path: Any, flags: int, mode: int = 0o777) -> int:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(os, "open", fake_open)
    with pytest.raises(UnreadableFileError) as info:
        read_text(target, "locked.md")
    assert info.value.reason == "permission denied"


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=512))
def test_read_text_never_raises_anything_else(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    target = tmp_path_factory.mktemp("prop") / "f.md"
    target.write_bytes(data)
    try:
        result = read_text(target)
    except UnreadableFileError:
        return
    assert "\r" not in result.text
    assert result.encoding in {"utf-8", "utf-8-sig", "utf-16", "cp949", "latin-1"}


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_characters="\x00", codec="utf-8")))
def test_utf8_round_trip(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    target = tmp_path_factory.mktemp("prop") / "f.md"
    target.write_bytes(text.encode("utf-8"))
    result = read_text(target)
    bom = text.startswith("\ufeff")
    expected = text.removeprefix("\ufeff") if bom else text
    assert result.text == expected.replace("\r\n", "\n").replace("\r", "\n")
    assert result.encoding == ("utf-8-sig" if bom else "utf-8")
