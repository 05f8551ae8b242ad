"""Bad answers fail before anything is written, naming the question and the fix."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import copier
import pytest

CASES: list[tuple[str, dict[str, Any], str]] = [
    # (question named in the message, answers, text the message must contain)
    ("project_name", {"project_name": ""}, "1 to 64 characters"),
    ("project_name", {"project_name": "x" * 65}, "1 to 64 characters"),
    ("project_name", {"project_name": "../evil"}, "starting with a letter"),
    ("project_name", {"project_name": "a/b"}, "letters, digits"),
    ("project_name", {"project_name": "{{ 7*7 }}"}, "letters, digits"),
    ("project_name", {"project_name": "x $(touch pwned)"}, "letters, digits"),
    ("package_name", {"package_name": "class"}, "Python keyword"),
    ("package_name", {"package_name": "import"}, "Python keyword"),
    ("package_name", {"package_name": "sklearn"}, "choose another name"),
    ("package_name", {"package_name": "My-Package"}, "lower-case letters"),
    ("package_name", {"package_name": "1model"}, "starting with a letter"),
    ("package_name", {"package_name": ""}, "lower-case letters"),
    ("package_name", {"project_name": "2024"}, "starting with a letter"),
    ("description", {"description": ""}, "1 to 200 characters"),
    ("description", {"description": "two\nlines"}, "one line"),
    ("description", {"description": "d" * 201}, "1 to 200 characters"),
    ("description", {"description": "{{ 7*7 }}"}, "template syntax"),
    ("description", {"description": "{% raw %}x"}, "template syntax"),
    ("author_name", {"author_name": " "}, "1 to 100 characters"),
    ("author_name", {"author_name": "{# note #}"}, "template syntax"),
    ("author_email", {"author_email": "not-an-email"}, "name@example.com"),
    ("author_email", {"author_email": "a@b"}, "name@example.com"),
    ("author_email", {"author_email": "a b@example.com"}, "name@example.com"),
    ("python_version", {"python_version": "3.9"}, "'3.9' is not in"),
    ("license", {"license": "GPL"}, "'GPL' is not in"),
    ("stage", {"stage": "maturity"}, "choose stage=mvp or stage=growth"),
    ("stage", {"stage": "enterprise"}, "'enterprise' is not in"),
    ("problem_type", {"problem_type": "clustering"}, "'clustering' is not in"),
    (
        "mlflow_tracking_uri",
        {"stage": "growth", "mlflow_tracking_uri": "ftp://tracking"},
        "http(s)://",
    ),
    (
        "mlflow_tracking_uri",
        {"stage": "growth", "mlflow_tracking_uri": "http://host/$(touch x) y"},
        "http(s)://",
    ),
    ("serving", {"serving": "stream"}, "'stream' is not in"),
    ("ci_provider", {"ci_provider": "jenkins"}, "'jenkins' is not in"),
    ("data_remote", {"data_remote": "ftp"}, "'ftp' is not in"),
    ("s3_bucket", {"data_remote": "s3"}, "needs a bucket name"),
    ("s3_bucket", {"data_remote": "s3", "s3_bucket": "Bad_Bucket"}, "needs a bucket name"),
    ("gcs_bucket", {"data_remote": "gcs"}, "needs a bucket name"),
    ("azure_account", {"data_remote": "azure", "azure_container": "ml-data"}, "storage account"),
    ("requests_per_day", {"requests_per_day": "0"}, "from 1 to 10000000000"),
    ("requests_per_day", {"requests_per_day": "1e5"}, "a whole number"),
    ("requests_per_day", {"requests_per_day": "20000000000"}, "from 1 to 10000000000"),
    ("peak_factor", {"peak_factor": "0.5"}, "a number from 1 to 100"),
    ("peak_factor", {"peak_factor": "101"}, "a number from 1 to 100"),
    ("peak_factor", {"peak_factor": "three"}, "a number from 1 to 100"),
    ("users", {"users": "-3"}, "a whole number of users"),
    ("latency_ms", {"latency_ms": "0"}, "from 1 to 604800000"),
    ("latency_ms", {"latency_ms": "1000000000"}, "from 1 to 604800000"),
    ("latency_ms", {"latency_ms": "2.5"}, "a whole number"),
    ("minimum_metric", {"minimum_metric": "1.5"}, "above 0 and at most 1"),
    ("minimum_metric", {"minimum_metric": "0"}, "above 0 and at most 1"),
    ("minimum_metric", {"minimum_metric": "high"}, "above 0 and at most 1"),
    (
        "azure_container",
        {"data_remote": "azure", "azure_account": "acct123", "azure_container": "a--b"},
        "no double dash",
    ),
]


def case_id(case: tuple[str, dict[str, Any], str]) -> str:
    question, answers, _ = case
    return f"{question}={next(reversed(answers.values()))!r}"[:40]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_bad_answer_fails_naming_the_question_and_writes_nothing(
    case: tuple[str, dict[str, Any], str], template_src: Path, tmp_path: Path
) -> None:
    question, answers, hint = case
    dst = tmp_path / "project"
    with pytest.raises(ValueError) as error:
        copier.run_copy(str(template_src), dst, data=answers, defaults=True, quiet=True)
    message = str(error.value)
    assert f"'{question}'" in message and hint in message, message
    assert not dst.exists()


def test_existing_destination_is_left_as_it_was(template_src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "project"
    dst.mkdir()
    (dst / "notes.txt").write_text("mine\n")
    with pytest.raises(ValueError):
        copier.run_copy(
            str(template_src), dst, data={"package_name": "def"}, defaults=True, quiet=True
        )
    assert [p.name for p in dst.iterdir()] == ["notes.txt"]
    assert (dst / "notes.txt").read_text() == "mine\n"


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("package_name=class", "package_name: 'class' is a Python keyword"),
        ("data_remote=s3", "s3_bucket: an S3 remote needs a bucket name"),
    ],
)
def test_command_line_last_line_says_it_all(
    option: str, expected: str, template_src: Path, tmp_path: Path
) -> None:
    dst = tmp_path / "project"
    result = subprocess.run(
        [
            shutil.which("copier") or "copier",
            "copy",
            "--defaults",
            "--data",
            option,
            str(template_src),
            str(dst),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    last_line = (result.stdout + result.stderr).strip().splitlines()[-1]
    assert expected in last_line, last_line
    assert not dst.exists()
