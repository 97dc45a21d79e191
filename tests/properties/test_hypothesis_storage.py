"""Where Hypothesis keeps its caches during a run: the user's cache directory, else a
scratch directory removed afterwards; never the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis.configuration import storage_directory

from scim_conformance.properties.hypothesis_runner import cache_directory, private_storage


def _home() -> Path:
    """Hypothesis's home directory as it stands (the parent of any storage directory)."""
    return Path(storage_directory("probe").path).parent


def test_caches_are_kept_in_the_users_cache_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    before = _home()
    with private_storage():
        assert _home() == tmp_path / "cache" / "scim-conformance" / "hypothesis"
    assert _home() == before
    assert (tmp_path / "cache" / "scim-conformance" / "hypothesis").is_dir()


def test_an_unwritable_cache_falls_back_to_a_scratch_directory_removed_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    assert cache_directory() is None
    with private_storage():
        scratch = _home()
        assert scratch.name.startswith("scim-conformance-hypothesis-")
        assert scratch.is_dir()
    assert not scratch.exists()


def test_a_storage_directory_the_user_chose_is_respected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(tmp_path / "chosen"))
    before = _home()
    with private_storage():
        assert _home() == before
    assert not (tmp_path / "cache").exists()
