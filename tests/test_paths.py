"""One resolver for the project's folders: from the working tree, overridable."""

from __future__ import annotations

from pathlib import Path

import pytest

from prod2vec import paths

FOLDERS = ("images_dir", "models_dir", "benchmark_results_dir", "hpo_dir")


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("PROD2VEC_PROJECT_DIR", raising=False)
    monkeypatch.delenv("PROD2VEC_DATA_DIR", raising=False)
    monkeypatch.delenv("PROD2VEC_IMAGES_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def make_project(folder: Path, name: str = "prod2vec") -> Path:
    (folder / "notebooks").mkdir(parents=True)
    (folder / "pyproject.toml").write_text(f'[project]\nname = "{name}"\nversion = "1"\n')
    return folder


def test_a_notebook_folder_finds_its_project(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(clean_environment / "checkout")
    monkeypatch.chdir(project / "notebooks")
    assert paths.project_dir() == project.resolve()
    assert paths.data_dir() == project.resolve() / "data"
    assert paths.images_dir() == project.resolve() / "images"
    assert paths.models_dir() == project.resolve() / "models"
    assert paths.benchmark_results_dir() == project.resolve() / "benchmarks" / "results"


def test_another_projects_pyproject_is_not_this_project(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = make_project(clean_environment / "other", name="prod2vec-fork")
    monkeypatch.chdir(elsewhere / "notebooks")
    assert paths.project_dir() == (elsewhere / "notebooks").resolve()
    assert paths.data_dir() == clean_environment / "home" / ".cache" / "prod2vec"


def test_environment_variables_override(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(clean_environment / "checkout")
    monkeypatch.chdir(project / "notebooks")
    monkeypatch.setenv("PROD2VEC_PROJECT_DIR", str(clean_environment / "run"))
    monkeypatch.setenv("PROD2VEC_DATA_DIR", str(clean_environment / "cache"))
    assert paths.project_dir() == (clean_environment / "run").resolve()
    assert paths.data_dir() == clean_environment / "cache"
    for folder in FOLDERS:
        assert getattr(paths, folder)().is_relative_to((clean_environment / "run").resolve())
    monkeypatch.setenv("PROD2VEC_IMAGES_DIR", str(clean_environment / "figures"))
    assert paths.images_dir() == clean_environment / "figures"


def test_the_installed_package_location_does_not_matter(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from another checkout, figures go to that checkout, not to this package's."""
    other = make_project(clean_environment / "other-checkout")
    monkeypatch.chdir(other)
    package_checkout = Path(paths.__file__).resolve().parents[2]
    for folder in FOLDERS:
        resolved = getattr(paths, folder)()
        assert resolved.is_relative_to(other.resolve())
        assert not resolved.is_relative_to(package_checkout)


def test_one_writability_check_for_output_and_data_folders(tmp_path: Path) -> None:
    from prod2vec.errors import ProjectFileError
    from prod2vec.outputs.atomic import check_can_write_folder

    new = tmp_path / "parent" / "run"
    check_can_write_folder(new, overwrite=False)
    assert new.parent.is_dir() and not new.exists()  # the folder is left to atomic_folder
    new.mkdir()
    with pytest.raises(ProjectFileError, match="already exists.*--overwrite"):
        check_can_write_folder(new, overwrite=False)
    check_can_write_folder(new, overwrite=True)
    (tmp_path / "file").write_text("")
    with pytest.raises(ProjectFileError, match="data folder .*file: it is a file. Use --x"):
        check_can_write_folder(tmp_path / "file", True, what="data folder", fix="Use --x.")
    with pytest.raises(ProjectFileError, match="Cannot write to the output folder"):
        check_can_write_folder(tmp_path / "file" / "below", overwrite=False)
