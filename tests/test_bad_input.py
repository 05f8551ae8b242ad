"""Bad answers fail before anything is written, naming the question and the fix.

The catalogue below holds one row per bad answer: the question the message must name,
the answers given (on top of ``--defaults``), and a piece of what the message says is
allowed. Every row runs at every stage in ``STAGES``, against a missing destination
(which must not be created) and against an existing one (which must stay byte for byte
as it was). The slow tier runs each row through the ``copier`` command line as well and
reads the last line of its output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml
from combinations import QUESTIONS, STAGES

HOSTILE = "$(touch pwned)"

CASES: list[tuple[str, dict[str, Any], str]] = [
    # (question named in the message, answers, text the message must contain)
    ("project_name", {"project_name": ""}, "1 to 64 characters"),
    ("project_name", {"project_name": "x" * 65}, "1 to 64 characters"),
    ("project_name", {"project_name": "../evil"}, "starting with a letter"),
    ("project_name", {"project_name": "a/b"}, "letters, digits"),
    ("project_name", {"project_name": "..\\evil"}, "starting with a letter"),
    ("project_name", {"project_name": "{{ 7*7 }}"}, "letters, digits"),
    ("project_name", {"project_name": "{% raw %}x"}, "letters, digits"),
    ("project_name", {"project_name": "x $(touch pwned)"}, "letters, digits"),
    ("project_name", {"project_name": "x `touch pwned`"}, "letters, digits"),
    ("project_name", {"project_name": "key: value"}, "letters, digits"),
    ("project_name", {"project_name": "# heading"}, "starting with a letter"),
    ("project_name", {"project_name": "Rocket \U0001f680"}, "letters, digits"),
    ("project_name", {"project_name": "My Project\n"}, "letters, digits"),
    ("package_name", {"package_name": "class"}, "Python keyword"),
    ("package_name", {"package_name": "import"}, "Python keyword"),
    ("package_name", {"package_name": "sklearn"}, "choose another name"),
    ("package_name", {"package_name": "tests"}, "choose another name"),
    ("package_name", {"package_name": "My-Package"}, "lower-case letters"),
    ("package_name", {"package_name": "1model"}, "starting with a letter"),
    ("package_name", {"package_name": ""}, "lower-case letters"),
    ("package_name", {"package_name": "m" * 41}, "1 to 40 lower-case"),
    ("package_name", {"package_name": "modèle"}, "lower-case letters"),
    ("package_name", {"package_name": "pkg/sub"}, "lower-case letters"),
    ("package_name", {"package_name": ".."}, "lower-case letters"),
    ("package_name", {"package_name": "x{{ 7*7 }}"}, "lower-case letters"),
    ("package_name", {"package_name": "x;rm -rf ~"}, "lower-case letters"),
    ("package_name", {"package_name": "model\n"}, "lower-case letters"),
    ("package_name", {"project_name": "2024"}, "starting with a letter"),
    ("description", {"description": ""}, "1 to 200 characters"),
    ("description", {"description": "two\nlines"}, "one line"),
    ("description", {"description": "tab\there"}, "control characters"),
    ("description", {"description": "nul\x00byte"}, "control characters"),
    ("description", {"description": "line\u2028separator"}, "control characters"),
    ("description", {"description": "d" * 201}, "1 to 200 characters"),
    ("description", {"description": "{{ 7*7 }}"}, "template syntax"),
    ("description", {"description": "{% raw %}x"}, "template syntax"),
    ("description", {"description": "{{ cycler.__init__.__globals__ }}"}, "template syntax"),
    ("author_name", {"author_name": " "}, "1 to 100 characters"),
    ("author_name", {"author_name": "a" * 101}, "1 to 100 characters"),
    ("author_name", {"author_name": "Ann\r\nBob"}, "on one line"),
    ("author_name", {"author_name": "{# note #}"}, "template syntax"),
    ("author_name", {"author_name": "<script>alert(1)</script>"}, "remove '<' and '>'"),
    ("author_email", {"author_email": "not-an-email"}, "name@example.com"),
    ("author_email", {"author_email": "a@b"}, "name@example.com"),
    ("author_email", {"author_email": "a b@example.com"}, "name@example.com"),
    ("author_email", {"author_email": "ana@exämple.com"}, "name@example.com"),
    ("author_email", {"author_email": "a@example..com"}, "name@example.com"),
    ("author_email", {"author_email": f"{HOSTILE}@example.com"}, "name@example.com"),
    ("author_email", {"author_email": "a@example.com\nBcc: b@example.com"}, "name@example.com"),
    ("author_email", {"author_email": "a: b@example.com"}, "name@example.com"),
    ("python_version", {"python_version": "3.9"}, "'3.9' is not in"),
    ("python_version", {"python_version": "3.11; rm -rf ~"}, "is not in"),
    ("license", {"license": "GPL"}, "'GPL' is not in"),
    ("license", {"license": "../MIT"}, "'../MIT' is not in"),
    ("container_image", {"stage": "maturity", "container_image": "Team/Model"}, "lower case"),
    ("container_image", {"stage": "maturity", "container_image": "ghcr.io/t/m:v1"}, "without tag"),
    ("container_image", {"stage": "maturity", "container_image": "ghcr.io/t/$(id)"}, "without tag"),
    ("container_image", {"stage": "maturity", "container_image": ""}, "without tag"),
    (
        "git_repository_url",
        {"stage": "maturity", "git_repository_url": "git@github.com:t/m.git"},
        "https://",
    ),
    (
        "git_repository_url",
        {"stage": "maturity", "git_repository_url": "http://github.com/t/m"},
        "https://",
    ),
    (
        "git_repository_url",
        {"stage": "maturity", "git_repository_url": "https://h/../x y"},
        "https://",
    ),
    ("stage", {"stage": "enterprise"}, "'enterprise' is not in"),
    ("stage", {"stage": "MVP"}, "'MVP' is not in"),
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
    (
        "mlflow_tracking_uri",
        {"stage": "growth", "mlflow_tracking_uri": "https://alice:s3cret@mlflow.example.com"},
        "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN",
    ),
    (
        "mlflow_tracking_uri",
        {"stage": "growth", "mlflow_tracking_uri": "http://token@mlflow.internal:5000/"},
        "remove the credentials",
    ),
    ("serving", {"serving": "stream"}, "'stream' is not in"),
    ("serving", {"serving": ""}, "'' is not in"),
    ("ci_provider", {"ci_provider": "jenkins"}, "'jenkins' is not in"),
    ("data_remote", {"data_remote": "ftp"}, "'ftp' is not in"),
    ("s3_bucket", {"data_remote": "s3"}, "needs a bucket name"),
    ("s3_bucket", {"data_remote": "s3", "s3_bucket": "Bad_Bucket"}, "needs a bucket name"),
    ("s3_bucket", {"data_remote": "s3", "s3_bucket": "../data"}, "needs a bucket name"),
    ("s3_bucket", {"data_remote": "s3", "s3_bucket": "team/ml"}, "needs a bucket name"),
    ("s3_bucket", {"data_remote": "s3", "s3_bucket": "ab"}, "3-63 characters"),
    ("s3_bucket", {"data_remote": "s3", "s3_bucket": "b" * 64}, "3-63 characters"),
    ("s3_bucket", {"data_remote": "s3", "s3_bucket": "a: b #c"}, "needs a bucket name"),
    ("s3_bucket", {"data_remote": "s3", "s3_bucket": "bucket\n"}, "needs a bucket name"),
    ("gcs_bucket", {"data_remote": "gcs"}, "needs a bucket name"),
    ("gcs_bucket", {"data_remote": "gcs", "gcs_bucket": "x{{ 7*7 }}"}, "needs a bucket name"),
    ("gcs_bucket", {"data_remote": "gcs", "gcs_bucket": f"x{HOSTILE}"}, "needs a bucket name"),
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
        "azure_account",
        {"data_remote": "azure", "azure_account": "UpperCase1", "azure_container": "ml-data"},
        "lower-case letters and digits",
    ),
    (
        "azure_account",
        {"data_remote": "azure", "azure_account": "a" * 25, "azure_container": "ml-data"},
        "3-24 lower-case",
    ),
    (
        "azure_container",
        {"data_remote": "azure", "azure_account": "acct123", "azure_container": "a--b"},
        "no double dash",
    ),
    (
        "azure_container",
        {"data_remote": "azure", "azure_account": "acct123", "azure_container": "-data"},
        "3-63 characters",
    ),
    (
        "azure_container",
        {"data_remote": "azure", "azure_account": "acct123", "azure_container": "`id`"},
        "3-63 characters",
    ),
]

# Each row at each stage; rows that set the stage themselves run once.
STAGED_CASES = [
    (stage, case)
    for stage in STAGES
    for case in CASES
    if stage == STAGES[0] or "stage" not in case[1]
]


# Through the command line, each row once (at the first stage, or its own): the message
# is the validator's, which the API test above checks at every stage.
CLI_CASES = [staged for staged in STAGED_CASES if staged[0] == STAGES[0]]


def case_id(staged: tuple[str, tuple[str, dict[str, Any], str]]) -> str:
    stage, (question, answers, _) = staged
    value = answers.get(question, next(reversed(answers.values())))
    return f"{stage}-{question}={value!r}"[:48]


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its content (``None`` for folders)."""
    return {
        str(path.relative_to(root)): (path.read_bytes() if path.is_file() else None)
        for path in root.rglob("*")
    }


def asked_questions() -> set[str]:
    """The questions copier.yml asks (derived values, with ``when: false``, are not)."""
    return {
        name
        for name, spec in QUESTIONS.items()
        if not name.startswith("_") and isinstance(spec, dict) and spec.get("when") is not False
    }


def test_the_catalogue_covers_every_question() -> None:
    covered = {question for question, _, _ in CASES}
    # A yes/no question has no bad answer: Copier reads any value as a boolean.
    booleans = {name for name in asked_questions() if QUESTIONS[name].get("type") == "bool"}
    assert booleans == {"use_dask"}
    assert asked_questions() - booleans - covered == set()
    assert len(CASES) >= 50


@pytest.mark.independent
@pytest.mark.parametrize("staged", STAGED_CASES, ids=case_id)
def test_bad_answer_fails_naming_the_question_and_writes_nothing(
    staged: tuple[str, tuple[str, dict[str, Any], str]], template_src: Path, tmp_path: Path
) -> None:
    stage, (question, answers, hint) = staged
    data = {"stage": stage, **answers}
    missing = tmp_path / "new"
    with pytest.raises(ValueError) as error:
        copier.run_copy(str(template_src), missing, data=data, defaults=True, quiet=True)
    message = str(error.value)
    assert f"'{question}'" in message and hint in message, message
    assert not missing.exists()

    existing = tmp_path / "existing"
    (existing / "notes").mkdir(parents=True)
    (existing / "notes" / "mine.txt").write_text("mine\n")
    (existing / "README.md").write_text("# My own notes, not the template's\n")
    before = tree(existing)
    with pytest.raises(ValueError):
        copier.run_copy(str(template_src), existing, data=data, defaults=True, quiet=True)
    assert tree(existing) == before
    assert not list(tmp_path.rglob("pwned")) and not Path("pwned").exists()


def copier_arguments(template_src: Path, dst: Path, data: dict[str, Any]) -> list[str]:
    """The arguments of ``copier copy --defaults`` with these answers.

    Answers go on the command line with ``--data``, except those a command line cannot
    carry (a NUL byte), which go in a ``--data-file`` written next to ``dst``.
    """
    args = ["copy", "--defaults"]
    in_file = {question: value for question, value in data.items() if "\x00" in str(value)}
    for question, value in data.items():
        if question not in in_file:
            args += ["--data", f"{question}={value}"]
    if in_file:
        data_file = dst.with_name(f"{dst.name}-answers.yml")
        data_file.write_text(yaml.safe_dump(in_file), encoding="utf-8")
        args += ["--data-file", str(data_file)]
    return [*args, str(template_src), str(dst)]


def copier_cli(template_src: Path, dst: Path, data: dict[str, Any]) -> str:
    """Run the ``copier`` command with these answers; return its combined output."""
    result = subprocess.run(
        [shutil.which("copier") or "copier", *copier_arguments(template_src, dst, data)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )
    assert result.returncode != 0, result.stdout
    return result.stdout + result.stderr


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
    question, value = option.split("=")
    dst = tmp_path / "project"
    output = copier_cli(template_src, dst, {question: value})
    last_line = output.strip().splitlines()[-1]
    assert expected in last_line, last_line
    assert not dst.exists()


@pytest.fixture(scope="module")
def cli_outputs(
    template_src: Path, tmp_path_factory: pytest.TempPathFactory
) -> list[tuple[str, bool]]:
    """Every catalogue row through Copier's command line, in two processes (one per core).

    ``copier_cli.py`` runs many command lines in one process, each printing what a
    terminal shows; the two rows above run the ``copier`` program itself.
    """
    root = tmp_path_factory.mktemp("cli")
    cases = [
        copier_arguments(template_src, root / f"case{index}", {"stage": stage, **answers})
        for index, (stage, (_, answers, _)) in enumerate(CLI_CASES)
    ]

    def run_half(half: int) -> list[tuple[int, str]]:
        cases_file = root / f"cases{half}.json"
        cases_file.write_text(json.dumps(cases[half::2]), encoding="utf-8")
        result = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("copier_cli.py")), str(cases_file)],
            capture_output=True, text=True, check=True, timeout=600,
            env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip
        return [tuple(case) for case in json.loads(result.stdout)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        halves = list(pool.map(run_half, (0, 1)))
    outputs = [halves[index % 2][index // 2] for index in range(len(cases))]
    assert all(code != 0 for code, _ in outputs), "a bad answer was accepted"
    return [(output, (root / f"case{index}").exists()) for index, (_, output) in enumerate(outputs)]


@pytest.mark.slow
@pytest.mark.parametrize("staged", CLI_CASES, ids=case_id)
def test_command_line_last_line_names_the_question_and_what_is_allowed(
    staged: tuple[str, tuple[str, dict[str, Any], str]], cli_outputs: list[tuple[str, bool]]
) -> None:
    _, (question, _, hint) = staged
    output, created = cli_outputs[CLI_CASES.index(staged)]
    last_line = output.strip().splitlines()[-1]
    assert f"'{question}'" in last_line and hint in last_line, output[-2000:]
    assert not created
