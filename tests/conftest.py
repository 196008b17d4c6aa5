"""Shared fixtures: an indexed copy of the sample vault and small throw-away vaults.

Every index lives under pytest's tmp folders (``index_dir`` is always passed), and the user cache
is pointed at a tmp folder too, so no test can write into the real per-user cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from vaultkit import Vault

SAMPLE_VAULT = Path(__file__).resolve().parents[1] / "sample_vault"

VaultFiles = Mapping[str, str | bytes]


@pytest.fixture(scope="session", autouse=True)
def _no_user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A Vault opened without index_dir by mistake must not reach the real user cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


def write_files(root: Path, files: VaultFiles) -> Path:
    """Create ``files`` (vault path -> text or bytes) below ``root``; return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def make_vault(tmp_path: Path) -> Callable[..., Path]:
    """``make_vault({relpath: text}, name="vault")`` writes a small vault in tmp_path and returns its folder."""

    def make(files: VaultFiles, name: str = "vault") -> Path:
        return write_files(tmp_path / name, files)

    return make


@pytest.fixture
def open_vault(tmp_path: Path) -> Callable[..., Vault]:
    """``open_vault(root, index="idx", **kwargs)``: a Vault whose index lives in tmp_path/index."""

    def open_(root: Path, index: str = "idx", **kwargs: object) -> Vault:
        return Vault(root, index_dir=tmp_path / "indexes" / index, **kwargs)  # type: ignore[arg-type]

    return open_


@pytest.fixture(scope="session")
def sample_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of sample_vault (tests may hash it; nobody writes it)."""
    root = tmp_path_factory.mktemp("sample") / "sample_vault"
    shutil.copytree(SAMPLE_VAULT, root)
    return root


@pytest.fixture(scope="session")
def sample_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sample-index")


@pytest.fixture(scope="session")
def sample(sample_root: Path, sample_index_dir: Path) -> Iterator[Vault]:
    """The sample vault, indexed once per session into a tmp index folder. Read-only use, please."""
    vault = Vault(sample_root, index_dir=sample_index_dir)
    report = vault.index()
    assert not report.errors
    yield vault
    vault.close()


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file and folder below ``root`` with a hash of its bytes (and its mtime)."""
    out: dict[str, str] = {}
    for folder, dirs, names in os.walk(root):
        for name in dirs:
            out[os.path.relpath(os.path.join(folder, name), root) + "/"] = "dir"
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
            out[os.path.relpath(path, root)] = f"{digest}:{os.stat(path).st_mtime_ns}"
    return out
